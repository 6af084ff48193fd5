import Router from '@koa/router';
import Koa from 'koa';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from './deps.js';
import { authApi } from './auth/openapi.js';
import { authRoutes } from './auth/routes.js';
import { AppError } from './errors/app-errors.js';
import { problemMiddleware } from './errors/problem-middleware.js';
import { healthApi } from './health/openapi.js';
import { healthRoutes } from './health/routes.js';
import { createLoadShedder, sampleEventLoopDelay } from './http/load-shedding.js';
import { rejectControlCharacters } from './http/query-text.js';
import { requestContext } from './http/request-context.js';
import { createRequestLog, type RequestLog } from './http/request-log.js';
import { docsRoutes } from './openapi/routes.js';
import { createFastReads } from './projects/fast-reads.js';
import { createListQueries, type ListQueries } from './projects/list-queries.js';
import { projectsApi } from './projects/openapi.js';
import { projectsRoutes } from './projects/routes.js';

/** Each capability's part of /openapi.json, in the order /docs shows them. */
export const API_SECTIONS = [projectsApi, authApi, healthApi];

/** The routes whose uncached reads scan, under the list bulkhead (concurrency/bulkhead.ts). */
const LIST_PATHS: ReadonlySet<string> = new Set(['/projects', '/projects/stats']);

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request handler a server listens with: fresh cache hits of the project reads
 * answered directly (app/projects/fast-reads.ts); past capacity, the rest refused at
 * once (app/http/load-shedding.ts); everything else by the Koa app. A hit is served
 * even when the replica is overloaded: it costs about what a refusal does.
 */
export function createHandler(deps: Deps): { handle: Handler; close(): void } {
  const { config } = deps;
  const log = createRequestLog(deps.logger, deps.metrics);
  const lists = createListQueries();
  const koa = createApp(deps, { log, lists }).callback();
  const limits = {
    maxInFlight: config.MAX_IN_FLIGHT,
    latencyTargetMs: config.LATENCY_TARGET_MS,
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    trustProxy: config.TRUST_PROXY,
    ownBulkhead: LIST_PATHS,
  };
  const delay = sampleEventLoopDelay();
  const shedder = createLoadShedder(limits, log, () => delay.ms());
  const reads = deps.cachedReads;
  const fast =
    reads && config.HTTP_FAST_READS
      ? createFastReads(reads, lists, log, config.TRUST_PROXY)
      : () => false;
  return {
    handle: (req, res) => {
      if (fast(req, res) || shedder.refuse(req, res)) return;
      void koa(req, res);
    },
    close: () => {
      delay.close();
    },
  };
}

/**
 * Assembles the HTTP app from ready-made dependencies. It connects to nothing and
 * listens on nothing, so tests and the local stack can build as many as they need.
 */
export function createApp(
  deps: Deps,
  shared: { log: RequestLog; lists: ListQueries } = {
    log: createRequestLog(deps.logger, deps.metrics),
    lists: createListQueries(),
  },
): Koa {
  const app = new Koa();
  // Behind nginx the client address is the last X-Forwarded-For hop nginx appended;
  // maxIpsCount 1 ignores whatever a client put in front of it.
  app.proxy = deps.config.TRUST_PROXY;
  app.maxIpsCount = 1;
  // Errors become responses in problemMiddleware and are logged there; Koa's default
  // handler would print them to stderr a second time.
  app.silent = true;

  const version = { version: deps.config.APP_VERSION, commit: deps.config.APP_COMMIT };
  const router = new Router();
  for (const child of [
    healthRoutes(deps.readiness, deps.metrics, version),
    docsRoutes(deps.config.APP_VERSION, API_SECTIONS),
    authRoutes(deps),
    projectsRoutes(deps, shared.lists),
  ]) {
    router.use(child.routes());
  }

  app.use(requestContext(shared.log));
  app.use(problemMiddleware(deps.logger));
  app.use(rejectControlCharacters());
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      // An unknown method is the client's mistake: 405, never a 5xx.
      methodNotAllowed: () => methodNotAllowed(),
      notImplemented: () => methodNotAllowed(),
    }),
  );
  return app;
}

function methodNotAllowed(): AppError {
  return new AppError(
    405,
    'method-not-allowed',
    'Method not allowed',
    'This route does not accept that method',
  );
}
