import type { Middleware } from 'koa';
import { asClient } from '../concurrency/bulkhead.js';
import { RateLimitedError } from '../errors/app-errors.js';

/**
 * At most `share` requests of one client (ctx.ip) at once through the routes it
 * guards; the next is a 429 (only its own requests decide it), so one address cannot
 * hold every place of a shared bulkhead.
 */
export function clientShare(share: number, what: string): Middleware {
  const held = new Map<string, number>();
  return async (ctx, next) => {
    const client = ctx.ip;
    const holding = held.get(client) ?? 0;
    if (holding >= share) {
      throw new RateLimitedError(
        1,
        `At most ${share} ${what} of one client at once; retry shortly`,
      );
    }
    held.set(client, holding + 1);
    try {
      await asClient(client, next);
    } finally {
      const left = (held.get(client) ?? 1) - 1;
      if (left > 0) held.set(client, left);
      else held.delete(client);
    }
  };
}
