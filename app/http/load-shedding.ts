import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { OverloadedError } from '../errors/app-errors.js';
import { PROBLEM_TYPE_BASE } from '../errors/problem-middleware.js';
import { createAdaptiveLimit } from '../concurrency/adaptive-limit.js';
import { clientAddress, requestIdFrom, type RequestLog } from './request-log.js';

export interface SheddingLimits {
  /** Requests this replica may work on at once, at most; past it, new ones are refused (0: no cap). */
  maxInFlight: number;
  /** Answers slower than this lower the in-flight limit below maxInFlight (0: it stays there). */
  latencyTargetMs: number;
  /** Event-loop delay (ms, sampleEventLoopDelay's) past which new ones are refused (0: never). */
  maxEventLoopDelayMs: number;
  trustProxy: boolean;
  /**
   * Paths whose GETs wait in a bulkhead of their own (list pages and stats): not
   * counted in flight, so their slow scans neither fill the limit nor lower it for
   * the by-id reads and writes they never hold up. The event-loop rule still applies.
   */
  ownBulkhead: ReadonlySet<string>;
}

/** Refuses the request with a 503 (and returns true), or counts it in until its response closes. */
export interface LoadShedder {
  refuse(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests admitted and not yet answered, and how many may be now. */
  inFlight(): number;
  limit(): number;
}

// Swarm's healthcheck and Prometheus must still hear a busy replica: refusing them would
// get it killed or hide why it is busy. nginx never lets the public reach them.
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Past capacity, a 503 with Retry-After before any work starts: when the in-flight limit
 * (adaptive-limit.ts) is reached, or the event loop is late by `maxEventLoopDelayMs`.
 * List pages and stats are bounded by their own bulkhead instead.
 */
export function createLoadShedder(
  limits: SheddingLimits,
  log: RequestLog,
  eventLoopDelayMs: () => number,
): LoadShedder {
  let inFlight = 0;
  const target = limits.latencyTargetMs > 0 ? limits.latencyTargetMs : Infinity;
  // Never below 4: a few slow-by-design requests (a sign-in's scrypt) must not shut a
  // replica to everything else.
  const limit = createAdaptiveLimit(limits.maxInFlight, target, Math.min(4, limits.maxInFlight));
  const full = () => limits.maxInFlight > 0 && inFlight >= limit.current();
  const late = () =>
    limits.maxEventLoopDelayMs > 0 && eventLoopDelayMs() > limits.maxEventLoopDelayMs;
  const bulkheaded = (req: IncomingMessage) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    return limits.ownBulkhead.has(path.length > 1 ? path.replace(/\/$/, '') : path);
  };

  return {
    refuse(req, res) {
      if (EXEMPT.has(req.url ?? '')) return false;
      const counted = !bulkheaded(req);
      if (!late() && !(counted && full())) {
        if (!counted) return false;
        const admitted = performance.now();
        inFlight += 1;
        res.once('close', () => {
          inFlight -= 1;
          const now = performance.now();
          limit.observe(now - admitted, now);
        });
        return false;
      }
      const started = process.hrtime.bigint();
      const requestId = requestIdFrom(req.headers['x-request-id']);
      res.writeHead(503, [...REFUSAL_HEAD, 'X-Request-ID', requestId]);
      res.end(REFUSAL_BODY);
      log({
        requestId,
        clientIp: clientAddress(req, limits.trustProxy),
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        route: 'shed',
        status: 503,
        cache: undefined,
        started,
      });
      return true;
    },
    inFlight: () => inFlight,
    limit: () => limit.current(),
  };
}

export interface EventLoopDelay {
  /** How late the event loop's timers ran (ms) throughout the last few windows. */
  ms: () => number;
  close(): void;
}

/**
 * The event loop's delay: the lowest of the last `windows` means, so one stall (a GC
 * pause) refuses nothing while a saturated replica, late in every window, refuses.
 */
export function sampleEventLoopDelay(windowMs = 100, windows = 3): EventLoopDelay {
  const resolutionMs = 10;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const recent: number[] = [];
  // Worked out once per window, not on each request that asks.
  let sustained = 0;
  const timer = setInterval(() => {
    // Each sample is the time between two ticks of the 10 ms timer: lateness is the rest.
    recent.push(histogram.count > 0 ? Math.max(0, histogram.mean / 1e6 - resolutionMs) : 0);
    if (recent.length > windows) recent.shift();
    sustained = recent.length < windows ? 0 : Math.min(...recent);
    histogram.reset();
  }, windowMs).unref();
  return {
    ms: () => sustained,
    close() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

const REFUSAL = new OverloadedError('This replica is at capacity; retry after Retry-After seconds');
const REFUSAL_BODY = Buffer.from(
  JSON.stringify({
    type: PROBLEM_TYPE_BASE + REFUSAL.slug,
    title: REFUSAL.title,
    status: REFUSAL.status,
    detail: REFUSAL.detail,
  }),
);
const REFUSAL_HEAD = [
  ...Object.entries(REFUSAL.extras.headers ?? {}).flat(),
  'Content-Type',
  'application/problem+json; charset=utf-8',
  'Content-Length',
  String(REFUSAL_BODY.length),
];
