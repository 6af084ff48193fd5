import type { Db } from 'mongodb';

/**
 * The cache epoch: a counter in MongoDB naming the Redis namespace of every cache key.
 * A write that cannot invalidate through Redis bumps it, so nothing cached before that
 * write can be served after it, even when Redis comes back with its old data.
 */
export interface EpochStore {
  read(): Promise<number>;
  bump(): Promise<number>;
}

interface EpochDoc {
  _id: string;
  value: number;
}

export function createEpochStore(db: Db): EpochStore {
  const meta = db.collection<EpochDoc>('cache_meta');
  return {
    async read() {
      const doc = await meta.findOne({ _id: 'epoch' });
      return doc?.value ?? 0;
    },
    async bump() {
      const once = () =>
        meta.findOneAndUpdate(
          { _id: 'epoch' },
          { $inc: { value: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
      // Two replicas upserting the first epoch at once: one inserts, the other gets a
      // duplicate key (MongoDB and FerretDB alike); by then the document exists, so the
      // second try is a plain increment.
      const doc = await once().catch((err: unknown) => {
        if ((err as { code?: number }).code === 11000) return once();
        throw err;
      });
      return doc?.value ?? 1;
    },
  };
}
