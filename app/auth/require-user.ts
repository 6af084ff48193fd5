import type { Context, Middleware, Next } from 'koa';
import { UnauthorizedError } from '../errors/app-errors.js';
import type { AuthService, PublicUser } from './types.js';

export type SignedInUser = PublicUser & { token: string };

// RFC 6750: the scheme is case-insensitive; exactly one space before the token.
const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * Lets the request through only with a live bearer token, leaving the user in
 * `ctx.state.user`. Missing, malformed, expired and signed-out tokens are all 401s.
 */
export function requireUser(auth: AuthService): Middleware {
  return async (ctx: Context, next: Next) => {
    ctx.state.user = await auth.authenticate(bearerToken(ctx));
    await next();
  };
}

/** The signed-in user of a request that passed requireUser. */
export function currentUser(ctx: Context): SignedInUser {
  const user = ctx.state.user as SignedInUser | undefined;
  if (!user) throw new UnauthorizedError();
  return user;
}

function bearerToken(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header === '') return undefined;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
  return match[1];
}
