import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnauthorizedError, UnavailableError } from '../errors/app-errors.js';
import { awaitReady } from '../redis/redis.js';
import type { PublicUser, Role } from './types.js';

/** 256 random bits, base64url without padding: always 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const KEY_PREFIX = 'session:';

export interface Session extends PublicUser {
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
  create(user: PublicUser): Promise<{ token: string; expiresAt: string }>;
  /** The session behind a token; UnauthorizedError when there is none. */
  find(token: string): Promise<Session>;
  end(token: string): Promise<void>;
}

/**
 * Sessions live in Redis with an expiry, so every replica sees the same ones and a
 * logout (a DEL) ends a session everywhere at once. While the connection is down a
 * call first waits up to `reconnectWaitMs` for it to return (a Redis restart then
 * costs latency, not errors); after that, failures become 503s: the client did
 * nothing wrong and may retry.
 */
export function createSessions(redis: Redis, ttlSeconds: number, reconnectWaitMs = 0): Sessions {
  // Each command here is idempotent (GET, SET of a fresh key, DEL), so one that failed
  // is sent once more: after the connection is back if it dropped under it, or at
  // once if it timed out (a starved CPU during a rolling update once made one session
  // check miss REDIS_TIMEOUT_MS and answer a write 503). Both attempts share one
  // reconnect wait: two full waits (20 s) outlasted nginx's 15 s and became a 504.
  async function unavailableOnFailure<T>(command: () => Promise<T>): Promise<T> {
    const waitUntil = Date.now() + reconnectWaitMs;
    for (let attempt = 1; ; attempt += 1) {
      await awaitReady(redis, Math.max(0, waitUntil - Date.now()));
      try {
        return await command();
      } catch {
        if (attempt >= 2) {
          throw new UnavailableError('The session store is unavailable; retry shortly');
        }
      }
    }
  }

  return {
    async create(user) {
      const token = newToken();
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
      const session: Session = { id: user.id, username: user.username, role: user.role, expiresAt };
      await unavailableOnFailure(() =>
        redis.set(KEY_PREFIX + tokenHash(token), JSON.stringify(session), 'EX', ttlSeconds),
      );
      return { token, expiresAt };
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
    const value = JSON.parse(stored) as Partial<Record<keyof Session, unknown>>;
    const { id, username, role, expiresAt } = value;
    if (
      typeof id === 'string' &&
      typeof username === 'string' &&
      (role === 'member' || role === 'admin') &&
      typeof expiresAt === 'string'
    ) {
      return { id, username, role: role satisfies Role, expiresAt };
    }
  } catch {
    // An unreadable entry is treated like a missing one: the client signs in again.
  }
  return undefined;
}
