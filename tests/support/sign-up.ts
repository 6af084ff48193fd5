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
  /** The client address both requests claim in X-Forwarded-For (heeded with TRUST_PROXY). */
  forwardedFor?: string;
  /** Wraps each of the two requests (a retry after a refusal, say). */
  attempt?: (send: () => Promise<Sent>) => Promise<Sent>;
}

/** One of the sign-up's two requests, for `username` with PASSWORD. */
function post(via: Via, path: string, username: string, options: SignUpOptions): Promise<Sent> {
  const { forwardedFor, attempt = (send) => send() } = options;
  const headers: Record<string, string> =
    forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const json = { username, password: PASSWORD };
  return attempt(() =>
    typeof via === 'string'
      ? call(via, path, { method: 'POST', json, headers })
      : via.call(path, { method: 'POST', json, headers }),
  );
}

/** Registers `username` with PASSWORD (asserting the 201); its id. */
export async function register(
  via: Via,
  username: string,
  options: SignUpOptions = {},
): Promise<string> {
  const registered = await post(via, '/auth/register', username, options);
  const why = `register ${username}: ${JSON.stringify(registered.body)}`;
  expect(registered.status, why).to.equal(201);
  return (registered.body as { id: string }).id;
}

let counter = 0;

/** Registers a fresh member named `prefix`, this process and a count, and signs it in. */
export async function signUp(
  via: Via,
  prefix = 'user',
  options: SignUpOptions = {},
): Promise<User> {
  counter += 1;
  const username = `${prefix}_${process.pid}_${counter}`.slice(0, 32);
  const id = await register(via, username, options);
  const login = await post(via, '/auth/login', username, options);
  expect(login.status, `login ${username}: ${JSON.stringify(login.body)}`).to.equal(200);
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
