import { isMongoUnavailable as isMongoGone } from '../db/mongo-errors.js';
import type { MongoReachability } from '../db/reachability.js';
import { UnavailableError } from '../errors/app-errors.js';

/**
 * Guards the cache's MongoDB reads. With MongoDB down, each read would wait out the
 * driver's server selection (MONGO_TIMEOUT_MS) before failing; after one such failure
 * the gate answers 503 at once for `cooldownMs`, then lets a single trial read through
 * while the others keep getting the fast 503, and reopens when a read succeeds.
 *
 * It also follows the driver's view of the deployment. While the driver sees no
 * server, every read is a 503 at once, trials included: only the driver's heartbeat
 * can find MongoDB again, and a trial would make one user request a second wait out
 * server selection for nothing (measured on `make cluster` with node 1 gone: most
 * reads at a few a second were trials, each 2 s). The moment the driver sees a server
 * again, the gate reopens.
 */
export interface DbGate {
  run<T>(read: () => Promise<T>): Promise<T>;
}

export function createDbGate(cooldownMs: number, mongo?: MongoReachability): DbGate {
  let down = false;
  let retryAt = 0;
  let trialRunning = false;
  mongo?.onChange((reachable) => {
    if (reachable) down = false;
  });

  return {
    async run<T>(read: () => Promise<T>): Promise<T> {
      if (mongo && !mongo.reachable) throw new UnavailableError();
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
 * MongoDB unreachable or without a primary (db/mongo-errors.ts: what problem-middleware
 * answers with 503), or the gate's own fast 503: the failures stale-if-error may cover.
 * Anything else, such as a bad cursor, is the request's own error and is never papered
 * over.
 */
export function isMongoUnavailable(err: unknown): boolean {
  return err instanceof UnavailableError || isMongoGone(err);
}
