import type { Db } from 'mongodb';

/**
 * The cache epoch: a counter in MongoDB that names the Redis namespace every cache key
 * lives under (see keys.ts).
 *
 * A write normally invalidates through Redis. When it cannot — Redis down, slow, or
 * the breaker open — it bumps the epoch instead, in MongoDB, which is reachable (the
 * write just succeeded there). Replicas re-read the epoch when their breaker closes,
 * when another replica announces a bump, and every CACHE_EPOCH_POLL_MS; a new epoch is
 * an empty namespace, so nothing cached before such a write can be served after it,
 * even if Redis comes back with all its old data.
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
