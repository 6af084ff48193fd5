import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'winston';
import type { Metrics } from '../metrics/metrics.js';

// nginx's $request_id is 32 hex characters; accept any short token-like id, never
// arbitrary text that would end up in our logs.
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request's id: the one nginx sent, when it is a plain token, else a new one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The client's address as Koa's ctx.ip has it with `maxIpsCount = 1` (app.ts): behind
 * the proxy, the last X-Forwarded-For hop (the one nginx set), else the socket's peer.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const last = typeof forwarded === 'string' ? forwarded.split(',').at(-1)?.trim() : undefined;
  return last !== undefined && last !== '' ? last : (req.socket.remoteAddress ?? '');
}

export interface Finished {
  requestId: string;
  clientIp: string;
  method: string;
  path: string;
  /** The route pattern (`/projects/:id`) for the metric; never the raw path. */
  route: string;
  status: number;
  /** The X-Cache header sent, if any. */
  cache: string | undefined;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
}

export type RequestLog = (finished: Finished) => void;

type Observer = ReturnType<Metrics['httpDuration']['labels']>;

/**
 * Writes the access-log line and the duration metric of one request. Koa's middleware
 * and the fast path for cached reads both end here, so the line and the series a
 * reader of `docker service logs` or /metrics sees cannot differ between the two.
 */
export function createRequestLog(logger: Logger, metrics: Metrics): RequestLog {
  // prom-client builds and hashes a label set on every labelled observe(); the set of
  // (method, route, status) a replica answers is small, so each is bound once.
  const observers = new Map<string, Observer>();
  const observer = (method: string, route: string, status: number): Observer => {
    const key = `${method} ${status} ${route}`;
    let bound = observers.get(key);
    if (!bound) {
      bound = metrics.httpDuration.labels({ method, route, status: String(status) });
      observers.set(key, bound);
    }
    return bound;
  };
  return (r) => {
    const seconds = Number(process.hrtime.bigint() - r.started) / 1e9;
    observer(r.method, r.route, r.status).observe(seconds);
    // winston formats a line before its transports drop it by level; ask first.
    if (!logger.isLevelEnabled('info')) return;
    logger.info('request', {
      requestId: r.requestId,
      clientIp: r.clientIp,
      method: r.method,
      path: r.path,
      status: r.status,
      durationMs: Math.round(seconds * 1e5) / 100,
      cache: r.cache,
    });
  };
}
