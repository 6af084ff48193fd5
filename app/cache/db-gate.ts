import { isMongoUnavailable as isMongoGone } from '../db/mongo-errors.js';
import type { MongoReachability } from '../db/reachability.js';
import { UnavailableError } from '../errors/app-errors.js';

/**
 * Guards the cache's MongoDB reads: after one failure, 503 at once for `cooldownMs`,
 * then one trial read while the rest keep the fast 503. While the driver sees no server
 * even trials are refused: only its heartbeat can find MongoDB again.
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
