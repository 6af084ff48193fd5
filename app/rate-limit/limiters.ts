import type { Redis } from 'ioredis';
import type { Context, Middleware, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { PublicUser, RequestLimiters } from '../auth/types.js';
import type { Metrics } from '../metrics/metrics.js';
import { consumeOrThrow, rateLimited, type NamedLimiter } from './consume.js';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface LimitSpec {
  /** Metric label and Redis key prefix. */
  name: string;
  points: number;
  /** Window in seconds. */
  duration: number;
}

// One write a second, sustained for a minute, is more than a person clicking through a
// form ever does and leaves room for a bulk edit in a UI; a runaway script stops at 60.
export const WRITES_PER_USER: LimitSpec = { name: 'writes_user', points: 60, duration: MINUTE };

// Twice the per-user budget, so colleagues behind one office NAT rarely meet it, while
// one address cycling through throw-away accounts still stops at 120 a minute.
export const WRITES_PER_IP: LimitSpec = { name: 'writes_ip', points: 120, duration: MINUTE };

// A person registers once; ten an hour lets a team behind one NAT onboard together and
// keeps a script from minting accounts (each costs a scrypt hash and a stored user).
export const REGISTRATIONS_PER_IP: LimitSpec = { name: 'register_ip', points: 10, duration: HOUR };

// Ten wrong passwords in a row for one name from one address is a forgotten password
// or a guesser; either way a 15-minute pause costs a person little and a guesser a lot.
// Failures are remembered for a day and forgotten on the first successful sign-in.
export const LOGIN_FAILURES_PER_USERNAME_IP: LimitSpec = {
  name: 'login_username_ip',
  points: 10,
  duration: DAY,
};
export const LOGIN_LOCKOUT_SECONDS = 15 * MINUTE;

// A hundred failures a day from one address, across any names, is nobody's typing:
// it is a script trying many accounts, and it waits for the day's window to end.
export const LOGIN_FAILURES_PER_IP: LimitSpec = { name: 'login_ip', points: 100, duration: DAY };

/**
 * A limiter shared by every replica through Redis. When Redis is down (or not yet
 * connected) it answers from this replica's memory instead of failing the request:
 * limits then hold per replica rather than across the stack, which is the better
 * failure than either no limits or no service.
 */
function sharedLimiter(redis: Redis, spec: LimitSpec, scale: number): NamedLimiter {
  const keyPrefix = `rl:${spec.name}`;
  const points = Math.max(1, Math.round(spec.points * scale));
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration: spec.duration,
    // Go straight to the insurance limiter instead of waiting for a command to fail.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix,
      points,
      duration: spec.duration,
    }),
  });
  return { name: spec.name, limiter };
}

/** What every limiter factory needs; `scale` multiplies every limit (1 in production). */
export interface LimiterDeps {
  redis: Redis;
  metrics: Metrics;
  scale?: number;
}

export function createLimiters({ redis, metrics, scale = 1 }: LimiterDeps): RequestLimiters {
  const perUser = sharedLimiter(redis, WRITES_PER_USER, scale);
  const perIp = sharedLimiter(redis, WRITES_PER_IP, scale);
  const registrations = sharedLimiter(redis, REGISTRATIONS_PER_IP, scale);
  return {
    writes: async (ctx: Context, next: Next) => {
      const user = ctx.state.user as PublicUser | undefined;
      if (user) await consumeOrThrow(perUser, user.id, metrics);
      await consumeOrThrow(perIp, ctx.ip, metrics);
      await next();
    },
    register: async (ctx: Context, next: Next) => {
      await consumeOrThrow(registrations, ctx.ip, metrics);
      await next();
    },
  } satisfies Record<keyof RequestLimiters, Middleware>;
}

/** Brute-force protection for login; used by the auth service around each attempt. */
export interface LoginLimiter {
  /** Throws a 429 while this username+IP or this IP may not try again. */
  assertAllowed(username: string, ip: string): Promise<void>;
  /** Counts a failed attempt; locks username+IP out once it reaches its limit. */
  recordFailure(username: string, ip: string): Promise<void>;
  /** A successful sign-in forgets the consecutive failures. */
  recordSuccess(username: string, ip: string): Promise<void>;
}

export function createLoginLimiter({ redis, metrics, scale = 1 }: LimiterDeps): LoginLimiter {
  const consecutive = sharedLimiter(redis, LOGIN_FAILURES_PER_USERNAME_IP, scale);
  const daily = sharedLimiter(redis, LOGIN_FAILURES_PER_IP, scale);
  // JSON keeps "a_b" + "c" and "a" + "b_c" apart whatever characters a name holds.
  const pairKey = (username: string, ip: string) => JSON.stringify([username, ip]);

  return {
    async assertAllowed(username, ip) {
      // Checked before the password, so a locked-out guesser learns nothing more.
      for (const [{ name, limiter }, key] of [
        [consecutive, pairKey(username, ip)],
        [daily, ip],
      ] as const) {
        const state = await limiter.get(key);
        if (state && state.consumedPoints >= limiter.points) {
          throw rateLimited(name, state.msBeforeNext, metrics);
        }
      }
    },
    async recordFailure(username, ip) {
      const key = pairKey(username, ip);
      const state = await consumeOrThrow(consecutive, key, metrics);
      // block() replaces the day-long failure count with a lock of its own length.
      if (state.remainingPoints === 0) await consecutive.limiter.block(key, LOGIN_LOCKOUT_SECONDS);
      await consumeOrThrow(daily, ip, metrics);
    },
    async recordSuccess(username, ip) {
      await consecutive.limiter.delete(pairKey(username, ip));
    },
  };
}
