import Router from '@koa/router';
import Koa from 'koa';
import type { Deps } from './deps.js';
import { authRoutes } from './auth/routes.js';
import { AppError } from './errors/app-errors.js';
import { problemMiddleware } from './errors/problem-middleware.js';
import { healthRoutes } from './health/routes.js';
import { requestContext } from './http/request-context.js';
import { docsRoutes } from './openapi/routes.js';
import { projectsRoutes } from './projects/routes.js';

/**
 * Assembles the HTTP app from ready-made dependencies. It connects to nothing and
 * listens on nothing, so tests and the local stack can build as many as they need.
 */
export function createApp(deps: Deps): Koa {
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
    projectsRoutes(deps),
  ]) {
    router.use(child.routes());
  }

  app.use(requestContext(deps.logger, deps.metrics));
  app.use(problemMiddleware(deps.logger));
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
