import type { MongoClient, TopologyDescriptionChangedEvent } from 'mongodb';
import type { Middleware } from 'koa';
import { UnavailableError } from '../errors/app-errors.js';

/**
 * Whether the MongoDB driver sees a server it can use, as its own monitoring says
 * (a heartbeat every MONGO_HEARTBEAT_MS, see db/mongo.ts). The first failed heartbeat
 * or network error turns it false for every request at once, so that no request has
 * to discover a dead MongoDB by waiting out a timeout of its own.
 */
export interface MongoReachability {
  readonly reachable: boolean;
  onChange(listener: (reachable: boolean) => void): void;
}

export function followTopology(client: MongoClient): MongoReachability {
  let reachable = true;
  const listeners: ((reachable: boolean) => void)[] = [];
  client.on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
    const now = event.newDescription.hasDataBearingServers;
    if (now === reachable) return;
    reachable = now;
    for (const listener of listeners) listener(now);
  });
  return {
    get reachable() {
      return reachable;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

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
