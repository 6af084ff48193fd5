import type { Migration } from '../db/migrations.js';

/** The auth feature's schema steps, numbered from 1 (app/db/migrations.ts runs them). */
export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    feature: 'auth',
    version: 1,
    formerly: 1,
    description: 'unique usernames',
    up: async (db) => {
      await db
        .collection('users')
        .createIndex({ username: 1 }, { unique: true, name: 'username_unique' }, undefined);
    },
  },
];
