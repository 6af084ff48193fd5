import type { Redis } from 'ioredis';
import { CHANNEL, dataPrefix, guardKey, type Location } from './keys.js';

// One round trip per lookup: read (or create) the family's token, then its entry,
// then — when there is no fresh entry — try to take the lease to fill it. Scripts name
// keys they compute, which is fine on a single Redis/KeyDB (the stack's), not a cluster.
const LOOKUP = `
local token = redis.call('GET', KEYS[1])
if not token then
  token = ARGV[3]
  redis.call('SET', KEYS[1], token, 'PX', ARGV[4])
end
local key = ARGV[1] .. token .. ARGV[2]
local data = redis.call('GET', key)
local ttl = -2
if data then
  ttl = redis.call('PTTL', key)
  if ttl > tonumber(ARGV[5]) then return {token, data, ttl, 0} end
end
local leased = 0
if redis.call('SET', key .. '|lease', ARGV[7], 'NX', 'PX', ARGV[6]) then leased = 1 end
return {token, data, ttl, leased}
`;

// Stores the entry and gives the lease back, if it is still ours.
const FILL = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

// Tokens outlive the entries under them; if one is evicted anyway, the next lookup
// makes a new, never-used token, so an old entry can never become reachable again.
const GUARD_TTL_MS = 24 * 60 * 60 * 1000;

export interface Lookup {
  token: string;
  data: string | null;
  /** Remaining TTL of `data` in ms; above the grace period it is fresh. */
  ttlMs: number;
  leased: boolean;
  /** The entry's key, for filling it. */
  key: string;
}

interface ScriptedRedis {
  gwCacheLookup(...args: string[]): Promise<[string, string | null, number, number]>;
  gwCacheFill(...args: string[]): Promise<number>;
  gwCacheRelease(...args: string[]): Promise<number>;
}

export interface L2Store {
  lookup(epoch: number, where: Location, graceMs: number): Promise<Lookup>;
  fill(key: string, payload: string, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
  /** Replaces the tokens of a project and of `all`, and tells every replica. */
  invalidate(epoch: number, projectId: string): Promise<void>;
  publish(message: string): Promise<void>;
}

export function createL2Store(redis: Redis, options: { owner: string; leaseMs: number }): L2Store {
  redis.defineCommand('gwCacheLookup', { numberOfKeys: 1, lua: LOOKUP });
  redis.defineCommand('gwCacheFill', { numberOfKeys: 2, lua: FILL });
  redis.defineCommand('gwCacheRelease', { numberOfKeys: 1, lua: RELEASE });
  const scripted = redis as unknown as ScriptedRedis;
  const { owner, leaseMs } = options;
  let counter = 0;
  // Unique across replicas and never reused: the owner is random per process.
  const newToken = () => `${owner}.${(counter += 1).toString(36)}`;

  return {
    async lookup(epoch, where, graceMs) {
      const prefix = dataPrefix(epoch, where.family);
      const [token, data, ttlMs, leased] = await scripted.gwCacheLookup(
        guardKey(epoch, where.family),
        prefix,
        where.suffix,
        newToken(),
        String(GUARD_TTL_MS),
        String(graceMs),
        String(leaseMs),
        owner,
      );
      return { token, data, ttlMs, leased: leased === 1, key: prefix + token + where.suffix };
    },
    async fill(key, payload, ttlMs) {
      await scripted.gwCacheFill(key, `${key}|lease`, payload, String(Math.ceil(ttlMs)), owner);
    },
    async release(key) {
      await scripted.gwCacheRelease(`${key}|lease`, owner);
    },
    async invalidate(epoch, projectId) {
      const replies = await redis
        .multi()
        .set(guardKey(epoch, `p:${projectId}`), newToken(), 'PX', GUARD_TTL_MS)
        .set(guardKey(epoch, 'all'), newToken(), 'PX', GUARD_TTL_MS)
        .publish(CHANNEL, `p:${projectId}`)
        .exec();
      const failed = replies?.find(([err]) => err !== null);
      if (!replies || failed) throw failed?.[0] ?? new Error('cache invalidation was discarded');
    },
    async publish(message) {
      await redis.publish(CHANNEL, message);
    },
  };
}
