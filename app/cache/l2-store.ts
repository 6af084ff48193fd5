import type { Redis } from 'ioredis';
import { CHANNEL, dataPrefix, guardKey, type Location } from './keys.js';

// One round trip per lookup: read (or create) the family's token, then its entry,
// then — when there is no fresh entry — try to take the lease to fill it. Scripts name
// keys they compute, which is fine on a single Redis/KeyDB (the stack's), not a cluster.
//
// A negative entry (`null`: the value does not exist) has no grace period, so it is
// fresh for as long as it lives. With an admission window (ARGV[8] > 0), a key seen for
// the first time in that window is not admitted: only a marker of a few bytes is kept,
// and the entry is stored on its second miss (README.md here, "Cache admission").
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
  local freshAbove = tonumber(ARGV[5])
  if data == 'null' then freshAbove = 0 end
  if ttl > freshAbove then return {token, data, ttl, 0, 1} end
elseif ARGV[8] ~= '0' and redis.call('SET', KEYS[1] .. ARGV[2] .. '|seen', '', 'NX', 'PX', ARGV[8]) then
  return {token, false, ttl, 0, 0}
end
local leased = 0
if redis.call('SET', key .. '|lease', ARGV[7], 'NX', 'PX', ARGV[6]) then leased = 1 end
return {token, data, ttl, leased, 1}
`;

// Stores the entry and gives the lease back, if it is still ours. A negative entry
// also shortens its family's token to its own life: an attacker asking for endless
// unknown ids then leaves nothing behind once their short TTL is over. Shortening a
// token is always safe; its successor is a new, empty namespace.
const FILL = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
if ARGV[1] == 'null' and redis.call('PTTL', KEYS[3]) > tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
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
  /** Remaining TTL of `data` in ms; above the grace period (any, if negative) it is fresh. */
  ttlMs: number;
  leased: boolean;
  /** False the first time a key is seen under an admission window: do not store it. */
  admitted: boolean;
  /** The entry's key, for filling it. */
  key: string;
  /** Its family's guard key. */
  guard: string;
}

interface ScriptedRedis {
  gwCacheLookup(...args: string[]): Promise<[string, string | null, number, number, number]>;
  gwCacheFill(...args: string[]): Promise<number>;
  gwCacheRelease(...args: string[]): Promise<number>;
}

export interface LookupOptions {
  graceMs: number;
  /** 0: store on the first miss; else only on a second miss within this window. */
  admitWindowMs: number;
}

export interface L2Store {
  lookup(epoch: number, where: Location, options: LookupOptions): Promise<Lookup>;
  fill(found: Lookup, payload: string, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
  /** Replaces the tokens of these families, and tells every replica about each. */
  invalidate(epoch: number, families: string[]): Promise<void>;
  publish(message: string): Promise<void>;
}

export function createL2Store(redis: Redis, options: { owner: string; leaseMs: number }): L2Store {
  redis.defineCommand('gwCacheLookup', { numberOfKeys: 1, lua: LOOKUP });
  redis.defineCommand('gwCacheFill', { numberOfKeys: 3, lua: FILL });
  redis.defineCommand('gwCacheRelease', { numberOfKeys: 1, lua: RELEASE });
  const scripted = redis as unknown as ScriptedRedis;
  const { owner, leaseMs } = options;
  let counter = 0;
  // Unique across replicas and never reused: the owner is random per process.
  const newToken = () => `${owner}.${(counter += 1).toString(36)}`;

  return {
    async lookup(epoch, where, { graceMs, admitWindowMs }) {
      const prefix = dataPrefix(epoch, where.family);
      const guard = guardKey(epoch, where.family);
      const [token, data, ttlMs, leased, admitted] = await scripted.gwCacheLookup(
        guard,
        prefix,
        where.suffix,
        newToken(),
        String(GUARD_TTL_MS),
        String(graceMs),
        String(leaseMs),
        owner,
        String(admitWindowMs),
      );
      const key = prefix + token + where.suffix;
      return { token, data, ttlMs, leased: leased === 1, admitted: admitted === 1, key, guard };
    },
    async fill(found, payload, ttlMs) {
      const { key, guard } = found;
      await scripted.gwCacheFill(
        key,
        `${key}|lease`,
        guard,
        payload,
        String(Math.ceil(ttlMs)),
        owner,
      );
    },
    async release(key) {
      await scripted.gwCacheRelease(`${key}|lease`, owner);
    },
    async invalidate(epoch, families) {
      let batch = redis.multi();
      for (const family of families)
        batch = batch.set(guardKey(epoch, family), newToken(), 'PX', GUARD_TTL_MS);
      // One message per family, after every token is replaced.
      for (const family of families) batch = batch.publish(CHANNEL, family);
      const replies = await batch.exec();
      const failed = replies?.find(([err]) => err !== null);
      if (!replies || failed) throw failed?.[0] ?? new Error('cache invalidation was discarded');
    },
    async publish(message) {
      await redis.publish(CHANNEL, message);
    },
  };
}
