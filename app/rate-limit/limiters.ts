import type { Redis } from 'ioredis';
import type { Context, Middleware, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics/metrics.js';
import { consumeOrThrow, type NamedLimiter } from './consume.js';

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface LimitSpec {
  /** Metric label and Redis key prefix. */
  name: string;
  points: number;
  /** Window in seconds. */
  duration: number;
  /** Once past `points`, refuse for this many seconds (instead of the rest of the window). */
  blockDuration?: number;
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

/**
 * A limiter shared by every replica through Redis. When Redis is down (or not yet
 * connected) it answers from this replica's memory instead of failing the request:
 * limits then hold per replica rather than across the stack, which is the better
 * failure than either no limits or no service.
 */
export function sharedLimiter(redis: Redis, spec: LimitSpec, scale: number): NamedLimiter {
  const keyPrefix = `rl:${spec.name}`;
  const points = Math.max(1, Math.round(spec.points * scale));
  const rules = {
    keyPrefix,
    points,
    duration: spec.duration,
    ...(spec.blockDuration !== undefined ? { blockDuration: spec.blockDuration } : {}),
  };
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    ...rules,
    // Go straight to the insurance limiter instead of waiting for a command to fail.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(rules),
  });
  return { name: spec.name, limiter };
}

/** Route middleware built from the shared, Redis-backed limiters. */
export interface RequestLimiters {
  /** Writes per signed-in user and per IP; run after requireUser. */
  writes: Middleware;
  /** Registrations per IP. */
  register: Middleware;
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
      // Set by the auth feature's requireUser on signed-in routes.
      const user = ctx.state.user as { id: string } | undefined;
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
