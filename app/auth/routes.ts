import Router from '@koa/router';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Context, Middleware, Next } from 'koa';
import type { MongoReachability } from '../db/reachability.js';
import { ForbiddenError } from '../errors/app-errors.js';
import { requireMongo } from '../http/require-mongo.js';
import { jsonBody } from '../http/json-body.js';
import { pathId } from '../http/path-id.js';
import { validator } from '../http/validate.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_SECONDS } from './device-cookie.js';
import { currentUser, requireUser } from './require-user.js';
import { ChangePasswordBody, LoginBody, RegisterBody } from './schema.js';
import type { AuthService } from './types.js';

/** What the auth routes use of the composition root's dependencies. */
export interface AuthRoutesDeps {
  auth: AuthService;
  limiters: { register: Middleware };
  mongo: MongoReachability;
}

/** Thin HTTP layer over the auth service: parse, call, shape the response. */
export function authRoutes(deps: AuthRoutesDeps): Router {
  const { auth, limiters } = deps;
  const signedIn = requireUser(auth);
  // Users live in MongoDB: without it, sign-up and sign-in are a 503 at once.
  const database = requireMongo(deps.mongo);
  const router = new Router({ prefix: '/auth' });
  const registration = validatedBody(RegisterBody);
  const credentials = validatedBody(LoginBody);
  const passwords = validatedBody(ChangePasswordBody);

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
    const { deviceCookie, ...session } = await auth.login(
      credentials.value(ctx),
      ctx.ip,
      ctx.cookies.get(DEVICE_COOKIE),
    );
    if (deviceCookie !== undefined) {
      // Sent back only to /auth, never readable by scripts; Secure where it came over TLS.
      ctx.cookies.set(DEVICE_COOKIE, deviceCookie, {
        path: '/auth',
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secure,
        maxAge: DEVICE_COOKIE_SECONDS * 1000,
        overwrite: true,
      });
    }
    // A token must never sit in a shared cache.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = session;
  });

  router.post('/logout', signedIn, async (ctx) => {
    await auth.logout(currentUser(ctx).token);
    ctx.status = 204;
  });

  router.post('/password', database, signedIn, jsonBody(), passwords.check, async (ctx) => {
    await auth.changePassword(currentUser(ctx), passwords.value(ctx), ctx.ip);
    ctx.status = 204;
  });

  router.delete('/users/:id/sessions', database, signedIn, async (ctx) => {
    if (currentUser(ctx).role !== 'admin') {
      throw new ForbiddenError('Only an admin may end the sessions of a user');
    }
    await auth.endSessions(pathId(ctx));
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
