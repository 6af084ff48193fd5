import type { Collection } from 'mongodb';
import type { Migration } from '../db/migrations.js';
import { IDEMPOTENCY_COLLECTION } from './idempotency-store.js';

const NOT_IMPLEMENTED = 238;

/** The projects feature's schema steps, numbered from 1 (app/db/migrations.ts runs them). */
export const PROJECT_MIGRATIONS: readonly Migration[] = [
  {
    feature: 'projects',
    version: 1,
    formerly: 2,
    description: 'project listing indexes: one per sort, each ending in _id for the cursor',
    up: async (db) => {
      await db.collection('projects').createIndexes([
        { key: { createdAt: -1, _id: -1 }, name: 'createdAt_id' },
        { key: { budgetCents: 1, _id: 1 }, name: 'budget_id' },
        { key: { nameLower: 1, _id: 1 }, name: 'name_id' },
        { key: { status: 1, createdAt: -1, _id: -1 }, name: 'status_createdAt_id' },
      ]);
    },
  },
  {
    feature: 'projects',
    version: 2,
    formerly: 3,
    description: 'idempotency keys expire after their retention (their _id is user + key)',
    up: async (db) => {
      await createExpiryIndex(db.collection(IDEMPOTENCY_COLLECTION));
    },
  },
];

/**
 * A TTL index where the server has one (mongo:7), so records go even when no keyed
 * create comes along to sweep them. FerretDB 1.24 answers NotImplemented (code 238) to
 * `expireAfterSeconds` and gets a plain index, swept by idempotent-create.ts instead.
 */
async function createExpiryIndex(keys: Collection): Promise<void> {
  try {
    await keys.createIndex(
      { expiresAt: 1 },
      { expireAfterSeconds: 0, name: 'expiresAt_ttl' },
      undefined,
    );
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_IMPLEMENTED) throw err;
    await keys.createIndex({ expiresAt: 1 }, { name: 'expiresAt' }, undefined);
  }
}
