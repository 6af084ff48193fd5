import Router from '@koa/router';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Context, Middleware, Next } from 'koa';
import { requireMongo } from '../db/reachability.js';
import type { Deps } from '../deps.js';
import { jsonBody } from '../http/json-body.js';
import { validator } from '../http/validate.js';
import { currentUser, requireUser } from './require-user.js';
import { LoginBody, RegisterBody } from './schema.js';

/** Thin HTTP layer over the auth service: parse, call, shape the response. */
export function authRoutes(deps: Deps): Router {
  const { auth, limiters } = deps;
  const signedIn = requireUser(auth);
  // Users live in MongoDB: without it, sign-up and sign-in are a 503 at once.
  const database = requireMongo(deps.mongo);
  const router = new Router({ prefix: '/auth' });
  const registration = validatedBody(RegisterBody);
  const credentials = validatedBody(LoginBody);

  // The registration limiter runs after validation: a malformed request costs nothing,
  // a valid one costs a scrypt hash and a stored user, and only those are worth counting.
  router.post(
    '/register',
    database,
    jsonBody(),
    registration.check,
    limiters.register,
    async (ctx) => {
      ctx.status = 201;
      ctx.body = await auth.register(registration.value(ctx));
    },
  );

  // Login's limiters live in the service: they count failures, which only it can see.
  router.post('/login', database, jsonBody(), credentials.check, async (ctx) => {
    const session = await auth.login(credentials.value(ctx), ctx.ip);
    // A token must never sit in a shared cache.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = session;
  });

  router.post('/logout', signedIn, async (ctx) => {
    await auth.logout(currentUser(ctx).token);
    ctx.status = 204;
  });

  router.get('/me', signedIn, (ctx) => {
    const { id, username, role } = currentUser(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { id, username, role };
  });

  return router;
}

/**
 * Validation as a middleware of its own, so that limiters can run between it and the
 * handler; `value` hands the handler the body typed by the same schema.
 */
function validatedBody<T extends TSchema>(schema: T) {
  const parse = validator(schema, 'body');
  const check: Middleware = async (ctx: Context, next: Next) => {
    ctx.state.body = parse(ctx.request.body);
    await next();
  };
  const value = (ctx: Context) => ctx.state.body as Static<T>;
  return { check, value };
}
