import type { Middleware } from 'koa';
import type { MongoReachability } from '../db/reachability.js';
import { UnavailableError } from '../errors/app-errors.js';

/**
 * For routes that cannot answer without MongoDB (every write, sign-up, sign-in): a
 * 503 at once while the driver sees no server, before the request waits on anything
 * else. Without it a write would first check its session in Redis, which, when the
 * node holding both is gone, waits for Redis to come back before failing anyway.
 */
export function requireMongo(mongo: MongoReachability): Middleware {
  return async (_ctx, next) => {
    if (!mongo.reachable) throw new UnavailableError('The database is unavailable; retry shortly');
    await next();
  };
}
