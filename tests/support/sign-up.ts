import { expect } from 'chai';
import { call, type RequestOptions } from './http.js';

/** What every signed-up test member's password is. */
export const PASSWORD = 'a long enough password';

/** The admin's password in every app the tests start (ADMIN_PASSWORD). */
export const ADMIN_PASSWORD = 'admin-password-for-tests-only';

export interface User {
  username: string;
  token: string;
  id: string;
}

interface Sent {
  status: number;
  body: unknown;
}

/** Where the requests go: a base URL (fetch), or an e2e Client (its own source address). */
export type Via = string | { call(path: string, options: RequestOptions): Promise<Sent> };

export interface SignUpOptions {
  /** The client address both requests claim through X-Forwarded-For (apps trust it in tests). */
  forwardedFor?: string;
  /** Wraps each of the two requests (a retry after a refusal, say). */
  attempt?: (send: () => Promise<Sent>) => Promise<Sent>;
}

let counter = 0;

/** Registers a fresh member named `prefix`, this process and a count, and signs it in. */
export async function signUp(
  via: Via,
  prefix = 'user',
  { forwardedFor, attempt = (send) => send() }: SignUpOptions = {},
): Promise<User> {
  counter += 1;
  const username = `${prefix}_${process.pid}_${counter}`.slice(0, 32);
  const headers: Record<string, string> =
    forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const post = (path: string) => () => {
    const options = { method: 'POST', json: { username, password: PASSWORD }, headers };
    return typeof via === 'string' ? call(via, path, options) : via.call(path, options);
  };
  const registered = await attempt(post('/auth/register'));
  expect(registered.status, `register ${username}: ${JSON.stringify(registered.body)}`).to.equal(
    201,
  );
  const login = await attempt(post('/auth/login'));
  expect(login.status, `login ${username}: ${JSON.stringify(login.body)}`).to.equal(200);
  const { id } = registered.body as { id: string };
  return { username, token: (login.body as { token: string }).token, id };
}

/** Signs in as the admin; its token. */
export async function signInAdmin(base: string): Promise<string> {
  const login = await call<{ token: string }>(base, '/auth/login', {
    method: 'POST',
    json: { username: 'admin', password: ADMIN_PASSWORD },
  });
  expect(login.status, JSON.stringify(login.body)).to.equal(200);
  return login.body.token;
}
