import { MongoError } from 'mongodb';
import type { MongoReachability } from '../db/reachability.js';
import { UnavailableError } from '../errors/app-errors.js';

/**
 * Guards the cache's MongoDB reads. With MongoDB down, each read would wait out the
 * driver's server selection (MONGO_TIMEOUT_MS) before failing; after one such failure
 * the gate answers 503 at once for `cooldownMs`, then lets a single trial read through
 * while the others keep getting the fast 503, and reopens when a read succeeds.
 *
 * It also follows the driver's view of the deployment: the first network error marks
 * the server unknown for every request at once, and waiting for one of our own reads
 * to time out would make a burst of concurrent reads each wait the full timeout.
 */
export interface DbGate {
  run<T>(read: () => Promise<T>): Promise<T>;
}

export function createDbGate(cooldownMs: number, mongo?: MongoReachability): DbGate {
  let down = false;
  let retryAt = 0;
  let trialRunning = false;
  mongo?.onChange((reachable) => {
    if (reachable === !down) return;
    down = !reachable;
    retryAt = Date.now() + cooldownMs;
  });

  return {
    async run<T>(read: () => Promise<T>): Promise<T> {
      const trial = down;
      if (trial) {
        if (trialRunning || Date.now() < retryAt) throw new UnavailableError();
        trialRunning = true;
      }
      try {
        const value = await read();
        down = false;
        return value;
      } catch (err) {
        if (isMongoUnavailable(err)) {
          down = true;
          retryAt = Date.now() + cooldownMs;
        }
        throw err;
      } finally {
        if (trial) trialRunning = false;
      }
    },
  };
}

/**
 * MongoDB unreachable (the same driver errors problem-middleware answers with 503), or
 * the gate's own fast 503: the failures stale-if-error may cover. Anything else, such
 * as a bad cursor, is the request's own error and is never papered over.
 */
export function isMongoUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError) return true;
  return (
    err instanceof MongoError &&
    /^Mongo(ServerSelection|Network|NetworkTimeout|TopologyClosed|PoolCleared)Error$/.test(err.name)
  );
}
