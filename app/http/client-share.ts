import type { Middleware } from 'koa';
import { asClient } from '../concurrency/bulkhead.js';
import { RateLimitedError } from '../errors/app-errors.js';

/**
 * At most `share` requests of one client (ctx.ip: behind nginx, the address nginx
 * saw) in progress at once on this replica through the routes it guards; the next is
 * refused at once with a 429 problem and `Retry-After: 1`. A 429, not a 503: only
 * this client's own requests in progress decide it, so it is its to fix. It keeps one
 * address from holding every place of a shared bulkhead, in which the requests it
 * admits take turns by client (concurrency/bulkhead.ts, asClient). Only clients with a request
 * in progress are counted, so addresses sprayed at it leave nothing behind.
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
