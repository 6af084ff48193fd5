import Router from '@koa/router';
import Koa from 'koa';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from './deps.js';
import { authRoutes } from './auth/routes.js';
import { AppError } from './errors/app-errors.js';
import { problemMiddleware } from './errors/problem-middleware.js';
import { healthRoutes } from './health/routes.js';
import { rejectControlCharacters } from './http/query-text.js';
import { requestContext } from './http/request-context.js';
import { createRequestLog, type RequestLog } from './http/request-log.js';
import { docsRoutes } from './openapi/routes.js';
import { createFastReads } from './projects/fast-reads.js';
import { createListQueries, type ListQueries } from './projects/list-queries.js';
import { projectsRoutes } from './projects/routes.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request handler a server listens with: fresh cache hits of the project reads
 * answered directly (app/projects/fast-reads.ts), everything else by the Koa app.
 */
export function createHandler(deps: Deps): Handler {
  const log = createRequestLog(deps.logger, deps.metrics);
  const lists = createListQueries();
  const koa = createApp(deps, { log, lists }).callback();
  const reads = deps.cachedReads;
  if (!reads || !deps.config.HTTP_FAST_READS) return (req, res) => void koa(req, res);
  const fast = createFastReads(reads, lists, log, deps.config.TRUST_PROXY);
  return (req, res) => {
    if (!fast(req, res)) void koa(req, res);
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
    docsRoutes(deps.config.APP_VERSION),
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
