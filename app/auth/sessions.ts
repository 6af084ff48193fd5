import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnauthorizedError, UnavailableError } from '../errors/app-errors.js';
import { awaitReady } from '../redis/redis.js';

/** 256 random bits, base64url without padding: always 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const KEY_PREFIX = 'session:';
// Per user: the token hashes of their sessions by expiry, for MAX_SESSIONS_PER_USER.
const USER_INDEX_PREFIX = 'session:user:';

/**
 * What Redis keeps per token: whose it is and under which of the user's session
 * generations it was made. No name and no role: those are read from the user on each
 * request, so a role change or a reset admin is seen at once on every replica.
 */
export interface Session {
  userId: string;
  epoch: number;
  /** RFC 3339 */
  expiresAt: string;
}

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_FORMAT.test(token);
}

/**
 * Redis holds only a hash of each token, so a copy of Redis (a backup, a replica, a
 * MONITOR session) hands out no usable tokens. The token is 256 random bits, so a
 * fast unsalted hash is enough: there is nothing to guess.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface Sessions {
  create(userId: string, epoch: number): Promise<{ token: string; expiresAt: string }>;
  /** The session behind a token; UnauthorizedError when there is none. */
  find(token: string): Promise<Session>;
  /** Moves a live session to a new generation, keeping its expiry (a password change). */
  carryOver(token: string, session: Session, epoch: number): Promise<void>;
  end(token: string): Promise<void>;
}

/**
 * Sessions live in Redis with an expiry, so every replica sees the same ones and a
 * logout (a DEL) ends a session everywhere at once. While the connection is down a
 * call first waits up to `reconnectWaitMs` for it to return (a Redis restart then
 * costs latency, not errors); after that, failures become 503s: the client did
 * nothing wrong and may retry.
 */
/**
 * A new session and its place in the user's index (a sorted set of token hashes by
 * expiry), in one step on Redis so replicas creating sessions at once agree: expired
 * entries go, and past the cap the oldest sessions end.
 * KEYS: session key, index key. ARGV: value, ttl s, expiry ms, now ms, cap, hash, prefix.
 */
const CREATE = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', ARGV[7] .. oldest[i]) end
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return over`;

export function createSessions(
  redis: Redis,
  ttlSeconds: number,
  reconnectWaitMs = 0,
  maxPerUser = 100,
): Sessions {
  redis.defineCommand('gwSessionCreate', { numberOfKeys: 2, lua: CREATE });
  const createScript = (
    redis as unknown as {
      gwSessionCreate(...args: (string | number)[]): Promise<number>;
    }
  ).gwSessionCreate.bind(redis);
  // Each command here is idempotent (GET, SET of a fresh key, DEL), so a failed one is
  // sent once more; both attempts share one reconnect wait, which stays under nginx's 15 s.
  async function unavailableOnFailure<T>(command: () => Promise<T>): Promise<T> {
    const waitUntil = Date.now() + reconnectWaitMs;
    for (let attempt = 1; ; attempt += 1) {
      await awaitReady(redis, Math.max(0, waitUntil - Date.now()));
      try {
        return await command();
      } catch (err) {
        // Full (noeviction): nothing new fits until sessions expire; reads still work.
        if (/\bOOM\b/.test((err as Error).message)) {
          throw new UnavailableError(
            'The session store is full; sign-ins are refused until it has room',
          );
        }
        if (attempt >= 2) {
          throw new UnavailableError('The session store is unavailable; retry shortly');
        }
      }
    }
  }

  return {
    async create(userId, epoch) {
      const token = newToken();
      const hash = tokenHash(token);
      const now = Date.now();
      const expiresAt = new Date(now + ttlSeconds * 1000).toISOString();
      const session: Session = { userId, epoch, expiresAt };
      await unavailableOnFailure(() =>
        createScript(
          KEY_PREFIX + hash,
          USER_INDEX_PREFIX + userId,
          JSON.stringify(session),
          ttlSeconds,
          now + ttlSeconds * 1000,
          now,
          maxPerUser,
          hash,
          KEY_PREFIX,
        ),
      );
      return { token, expiresAt };
    },

    async carryOver(token, session, epoch) {
      const leftMs = Date.parse(session.expiresAt) - Date.now();
      if (leftMs <= 0) return;
      const moved: Session = { ...session, epoch };
      await unavailableOnFailure(() =>
        // XX: a session signed out meanwhile stays signed out.
        redis.set(KEY_PREFIX + tokenHash(token), JSON.stringify(moved), 'PX', leftMs, 'XX'),
      );
    },

    async find(token) {
      // A malformed token cannot exist; answering without Redis keeps junk cheap.
      if (!isWellFormedToken(token)) throw new UnauthorizedError('The bearer token is malformed');
      const stored = await unavailableOnFailure(() => redis.get(KEY_PREFIX + tokenHash(token)));
      const session = stored === null ? undefined : parseSession(stored);
      // Redis expires the key; the date check covers a clock-skewed or restored Redis.
      if (!session || Date.parse(session.expiresAt) <= Date.now()) {
        throw new UnauthorizedError('The token has expired or was signed out');
      }
      return session;
    },

    async end(token) {
      if (!isWellFormedToken(token)) return;
      await unavailableOnFailure(() => redis.del(KEY_PREFIX + tokenHash(token)));
    },
  };
}

function parseSession(stored: string): Session | undefined {
  try {
    const value = JSON.parse(stored) as Record<string, unknown>;
    // Sessions made before generations existed hold `id` (and a role, now ignored):
    // they belong to generation 0, which is every user's until its first change.
    const userId = value.userId ?? value.id;
    const epoch = value.epoch ?? 0;
    const { expiresAt } = value;
    if (
      typeof userId === 'string' &&
      typeof epoch === 'number' &&
      Number.isSafeInteger(epoch) &&
      typeof expiresAt === 'string'
    ) {
      return { userId, epoch, expiresAt };
    }
  } catch {
    // An unreadable entry is treated like a missing one: the client signs in again.
  }
  return undefined;
}
