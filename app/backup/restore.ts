import { basename } from 'node:path';
import { BSON, type Db, type Document } from 'mongodb';
import { readArchive, type Manifest } from './archive.js';
import { heldDocuments } from './emptiness.js';

export class NotEmptyError extends Error {
  override name = 'NotEmptyError';
}

export interface RestoreResult {
  name: string;
  counts: Record<string, number>;
  epoch: number;
}

/**
 * Verifies the whole archive first (ArchiveError: database untouched), refuses a
 * database holding documents unless `force` (NotEmptyError), then replaces each
 * collection in the archive and moves the cache epoch past every value used so far.
 */
export async function restoreArchive(
  db: Db,
  path: string,
  options: { force: boolean; batchSize: number },
): Promise<RestoreResult> {
  const manifest = await readArchive(path);
  if (!options.force) await refuseNonEmpty(db);
  const epochBefore = await readEpoch(db);
  let batch: Document[] = [];
  // One insert in flight while the next batch is read and parsed: the archive's CPU
  // work overlaps MongoDB's.
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async (collection: string) => {
    await inFlight;
    if (batch.length === 0) return;
    const documents = batch;
    batch = [];
    inFlight = db.collection(collection).insertMany(documents, { ordered: true });
    // Its failure is thrown where it is awaited; this only keeps it from counting as unhandled meanwhile.
    inFlight.catch(() => undefined);
  };
  await readArchive(path, {
    async collection(name, metadataJson) {
      await recreate(db, name, metadataJson);
    },
    async document(collection, bytes) {
      // No promotion: Int32, Int64, Double and Decimal128 stay what they were, so the
      // document serializes back to the very same bytes.
      batch.push(BSON.deserialize(bytes, { promoteValues: false }));
      if (batch.length >= options.batchSize) await flush(collection);
    },
    async endCollection(collection) {
      await flush(collection);
      await inFlight;
    },
  });
  const epoch = await moveEpoch(db, epochBefore);
  return { name: basename(path), counts: counts(manifest), epoch };
}

async function refuseNonEmpty(db: Db): Promise<void> {
  const held = await heldDocuments(db);
  if (held.length > 0) {
    throw new NotEmptyError(
      `database ${db.databaseName} is not empty (${held.join(' ')}); restore --force replaces those collections`,
    );
  }
}

async function recreate(db: Db, name: string, metadataJson: string): Promise<void> {
  const metadata = BSON.EJSON.parse(metadataJson, { relaxed: false }) as { indexes?: Document[] };
  await db.dropCollection(name).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 26) throw err; // NamespaceNotFound: nothing to drop
  });
  await db.createCollection(name);
  const indexes = (metadata.indexes ?? [])
    .filter((index) => index.name !== '_id_')
    // The index version and namespace belong to the server that made them.
    .map((index) => omit(index, ['v', 'ns']) as { key: Document; name: string });
  if (indexes.length > 0) await db.collection(name).createIndexes(indexes);
}

interface EpochDoc {
  _id: string;
  value: number;
}

async function readEpoch(db: Db): Promise<number> {
  const doc = await db.collection<EpochDoc>('cache_meta').findOne({ _id: 'epoch' });
  return doc?.value ?? 0;
}

/**
 * Past both the live epoch and the backup's, and at least the current unix second, so
 * no replica's cache namespace from before the restore is ever used after it.
 */
async function moveEpoch(db: Db, before: number): Promise<number> {
  const restored = await readEpoch(db);
  const value = Math.max(before + 1, restored + 1, Math.floor(Date.now() / 1000));
  await db
    .collection<EpochDoc>('cache_meta')
    .updateOne({ _id: 'epoch' }, { $set: { value } }, { upsert: true });
  return value;
}

export function counts(manifest: Manifest): Record<string, number> {
  return Object.fromEntries(
    Object.entries(manifest.collections).map(([name, entry]) => [name, entry.count]),
  );
}

function omit(doc: Document, keys: string[]): Document {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !keys.includes(key)));
}
