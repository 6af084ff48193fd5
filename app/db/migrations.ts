import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'winston';
import { IDEMPOTENCY_COLLECTION } from '../projects/idempotency-store.js';

const NOT_IMPLEMENTED = 238;

/**
 * A migration is idempotent (createIndex with the same spec is a no-op when the index
 * exists), so three replicas starting at once may all run it safely; the `migrations`
 * collection records which versions have been applied, for operators and so that a
 * later, non-idempotent migration has a place to check.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Db): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'unique usernames',
    up: async (db) => {
      await db
        .collection('users')
        .createIndex({ username: 1 }, { unique: true, name: 'username_unique' }, undefined);
    },
  },
  {
    version: 2,
    description: 'project listing indexes: one per sort, each ending in _id for the cursor',
    up: async (db) => {
      const projects = db.collection('projects');
      await projects.createIndexes([
        { key: { createdAt: -1, _id: -1 }, name: 'createdAt_id' },
        { key: { budgetCents: 1, _id: 1 }, name: 'budget_id' },
        { key: { nameLower: 1, _id: 1 }, name: 'name_id' },
        { key: { status: 1, createdAt: -1, _id: -1 }, name: 'status_createdAt_id' },
      ]);
    },
  },
  {
    version: 3,
    description: 'idempotency keys expire after their retention (their _id is user + key)',
    up: async (db) => {
      const keys = db.collection(IDEMPOTENCY_COLLECTION);
      await createExpiryIndex(keys);
    },
  },
];

/**
 * A TTL index where the server has one (mongo:7), so records go even when no keyed
 * create comes along to sweep them. FerretDB 1.24 answers NotImplemented (code 238)
 * to `expireAfterSeconds` and gets a plain index; there only the app's own sweep
 * (idempotent-create.ts, at most once a minute per replica) deletes expired records.
 * Reads treat an expired record as absent either way.
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

/**
 * Runs the migrations, retrying a few times: replicas starting together race on index
 * creation, and FerretDB 1.24 (the test server) even drops the connection on a
 * concurrent createIndexes for a new database (a panic, "slice bounds out of range");
 * a second attempt, after the other replica finished, finds the work done.
 */
export async function migrate(db: Db, logger: Logger, migrations = MIGRATIONS): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateOnce(db, logger, migrations);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      logger.warn('migration attempt failed; retrying', { attempt, error: (err as Error).message });
      await sleep(100 * attempt + Math.random() * 100);
    }
  }
}

async function migrateOnce(
  db: Db,
  logger: Logger,
  migrations: readonly Migration[],
): Promise<void> {
  const applied = db.collection<{ _id: number; description: string; appliedAt: Date }>(
    'migrations',
  );
  for (const migration of migrations) {
    if (await applied.findOne({ _id: migration.version })) continue;
    await migration.up(db);
    // Another replica may have recorded it first: a duplicate key here means "done".
    await applied
      .updateOne(
        { _id: migration.version },
        { $setOnInsert: { description: migration.description, appliedAt: new Date() } },
        { upsert: true },
      )
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== 11000) throw err;
      });
    logger.info('migration applied', {
      version: migration.version,
      description: migration.description,
    });
  }
}
