import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'winston';
import type { Metrics } from '../metrics/metrics.js';

// nginx's $request_id is 32 hex characters; accept any short token-like id, never
// arbitrary text that would end up in our logs.
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Outermost middleware: gives the request an id, and once the response is settled
 * writes the access-log line and the duration metric. It sits outside the problem
 * middleware so that it sees the final status of failed requests too.
 */
export function requestContext(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('X-Request-ID');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-ID', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = matched === undefined ? 'unmatched' : String(matched);
      metrics.httpDuration.observe(
        { method: ctx.method, route, status: String(ctx.status) },
        seconds,
      );
      logger.info('request', {
        requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        durationMs: Math.round(seconds * 1e5) / 100,
        cache: ctx.response.get('X-Cache') || undefined,
      });
    }
  };
}
