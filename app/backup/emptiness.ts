import type { Db, Document } from 'mongodb';
import type { Manifest } from './archive.js';
import { newestArchive } from './archive-dir.js';

/** Collections the app fills by itself, so they do not make a database "not empty". */
const OWN_STATE = new Set(['migrations', 'cache_meta']);
/**
 * Nor does the first admin, which every replica creates at start-up on an empty database
 * (a replica rescheduled after the data node was lost makes one before the restore).
 */
const STARTUP_DOCUMENTS: Record<string, Document> = { users: { username: { $ne: 'admin' } } };

/** `collection=count` for each collection holding more than a replica makes at start-up. */
export async function heldDocuments(db: Db): Promise<string[]> {
  const infos = await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray();
  const held: string[] = [];
  for (const { name } of infos) {
    if (OWN_STATE.has(name) || name.startsWith('system.')) continue;
    const count = await db.collection(name).countDocuments(STARTUP_DOCUMENTS[name] ?? {});
    if (count > 0) held.push(`${name}=${count}`);
  }
  return held;
}

/** Whether an archive holds more than a replica makes at start-up (by its manifest's counts). */
export function holdsData(manifest: Manifest): boolean {
  return Object.entries(manifest.collections).some(
    ([name, { count }]) => !OWN_STATE.has(name) && count > (name === 'users' ? 1 : 0),
  );
}

export class EmptyDatabaseError extends Error {
  override name = 'EmptyDatabaseError';
}

/**
 * Refuses to back up an empty database over archives of one that held data: after the
 * data is lost, scheduled runs would otherwise make the newest archive an empty one
 * (what `restore` picks) and, BACKUP_KEEP runs later, prune the last good one.
 */
export async function refuseEmptyOverData(db: Db, dir: string): Promise<void> {
  if ((await heldDocuments(db)).length > 0) return;
  const newest = await newestArchive(dir);
  if (newest && holdsData(newest.manifest)) {
    throw new EmptyDatabaseError(
      `database ${db.databaseName} is empty and the newest archive (${newest.name}) holds data: ` +
        'restore it first (make restore); if the database is meant to be empty, remove the older archives',
    );
  }
}
