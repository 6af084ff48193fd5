import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'winston';

/**
 * One step of one feature's schema: features number their own steps from 1 and export
 * them (app/<feature>/migrations.ts); deps.ts hands them all to `migrate`. What ran is
 * recorded in the `migrations` collection as `<feature>:<version>`.
 */
export interface Migration {
  feature: string;
  version: number;
  description: string;
  /** The global number this step had before migrations were per feature (1-3). */
  formerly?: number;
  up(db: Db): Promise<void>;
}

interface Applied {
  _id: string | number;
  description?: string;
  appliedAt?: Date;
  owner?: string;
  expiresAt?: Date;
}

const LOCK = 'lock';
/** Longer than any migration here takes; a replica that died holding it frees it then. */
const LOCK_TTL_MS = 60000;

export class DatabaseNewerThanCode extends Error {}

export const migrationId = (m: Pick<Migration, 'feature' | 'version'>): string =>
  `${m.feature}:${m.version}`;

/**
 * Runs every step not yet recorded, in order, under a lock, so replicas starting together
 * run each once; the others wait for the lock and then find the work done. Refuses
 * (DatabaseNewerThanCode) a database that has a step this code does not know: it was
 * migrated by a newer version, whose data this one may misread.
 */
export async function migrate(
  db: Db,
  logger: Logger,
  migrations: readonly Migration[],
  owner = `${process.pid}-${Math.random().toString(36).slice(2)}`,
): Promise<void> {
  const applied = db.collection<Applied>('migrations');
  for (let attempt = 1; ; attempt += 1) {
    try {
      await refuseNewer(applied, migrations);
      if (await pending(applied, migrations).then((list) => list.length === 0)) return;
      if (await takeLock(applied, owner)) {
        try {
          await runPending(db, applied, migrations, logger);
        } finally {
          await applied.deleteOne({ _id: LOCK, owner });
        }
        return;
      }
      await sleep(200);
    } catch (err) {
      // FerretDB 1.24 drops the connection on concurrent createIndexes in a new database
      // (a panic): a later attempt finds the work done or the lock free.
      if (err instanceof DatabaseNewerThanCode || attempt >= 300) throw err;
      logger.warn('migration attempt failed; retrying', { attempt, error: (err as Error).message });
      await sleep(200);
    }
  }
}

async function refuseNewer(
  applied: Collection<Applied>,
  migrations: readonly Migration[],
): Promise<void> {
  const known = new Set(migrations.map(migrationId));
  const formerly = new Set(
    migrations.flatMap((m) => (m.formerly === undefined ? [] : [m.formerly])),
  );
  const unknown = (await applied.find({ _id: { $ne: LOCK } }).toArray())
    .map((record) => record._id)
    .filter((id) => (typeof id === 'number' ? !formerly.has(id) : !known.has(id)));
  if (unknown.length > 0) {
    throw new DatabaseNewerThanCode(
      `the database has migrations this code does not know (${unknown.join(', ')}): it was migrated by a newer version; deploy that version or restore an older backup`,
    );
  }
}

async function pending(
  applied: Collection<Applied>,
  migrations: readonly Migration[],
): Promise<Migration[]> {
  const done = new Set(
    (await applied.find({}, { projection: { _id: 1 } }).toArray()).map((r) => r._id),
  );
  return migrations.filter(
    (m) => !done.has(migrationId(m)) && !(m.formerly !== undefined && done.has(m.formerly)),
  );
}

/** The lock is a record of its own; an expired one (its holder died) is taken over. */
async function takeLock(applied: Collection<Applied>, owner: string): Promise<boolean> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + LOCK_TTL_MS);
  try {
    const taken = await applied.findOneAndUpdate(
      { _id: LOCK, $or: [{ expiresAt: { $lt: now } }, { owner }] },
      { $set: { owner, expiresAt } },
      { returnDocument: 'after' },
    );
    if (taken) return true;
    await applied.insertOne({ _id: LOCK, owner, expiresAt });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}

async function runPending(
  db: Db,
  applied: Collection<Applied>,
  migrations: readonly Migration[],
  logger: Logger,
): Promise<void> {
  for (const migration of await pending(applied, migrations)) {
    await migration.up(db);
    await applied.updateOne(
      { _id: migrationId(migration) },
      { $setOnInsert: { description: migration.description, appliedAt: new Date() } },
      { upsert: true },
    );
    logger.info('migration applied', {
      migration: migrationId(migration),
      description: migration.description,
    });
  }
}
