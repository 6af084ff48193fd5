import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError, UnavailableError } from '../errors/app-errors.js';
import type { Metrics } from '../metrics/metrics.js';

/** A limiter together with the name it has in metrics and logs. */
export interface NamedLimiter {
  name: string;
  limiter: RateLimiterAbstract;
}

/**
 * Takes one point for `key`, or throws the 429 (with Retry-After) when none is left.
 * Every limiter has an in-memory insurance limiter, so a Redis outage does not land
 * here; anything else that does is a dependency problem, answered 503, never 500.
 */
export async function consumeOrThrow(
  { name, limiter }: NamedLimiter,
  key: string,
  metrics: Metrics,
): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw rateLimited(name, err.msBeforeNext, metrics);
    throw new UnavailableError('The rate limiter is unavailable; retry shortly');
  }
}

/** The one way a 429 is made, so that every rejection is counted per limiter. */
export function rateLimited(
  name: string,
  msBeforeNext: number,
  metrics: Metrics,
): RateLimitedError {
  metrics.rateLimited.inc({ limiter: name });
  return new RateLimitedError(msBeforeNext / 1000);
}
