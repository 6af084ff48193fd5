import type { Context, Middleware, Next } from 'koa';
import { requestIdFrom, type RequestLog } from './request-log.js';

/**
 * Outermost middleware: gives the request an id, and once the response is settled
 * writes the access-log line and the duration metric. It sits outside the problem
 * middleware so that it sees the final status of failed requests too.
 */
export function requestContext(log: RequestLog): Middleware {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-ID', requestId);
    try {
      await next();
    } finally {
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const cache = ctx.response.get('X-Cache');
      log({
        requestId,
        clientIp: ctx.ip,
        method: ctx.method,
        path: ctx.path,
        route: matched === undefined ? 'unmatched' : String(matched),
        status: ctx.status,
        cache: cache === '' ? undefined : cache,
        started,
      });
    }
  };
}
