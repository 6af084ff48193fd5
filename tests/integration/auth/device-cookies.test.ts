import { expect } from 'chai';
import { DEVICE_COOKIE } from '../../../app/auth/device-cookie.js';
import {
  LOGIN_FAILURES_PER_DEVICE,
  LOGIN_FAILURES_PER_USERNAME,
} from '../../../app/rate-limit/login-limiter.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { PASSWORD, register } from '../../support/sign-up.js';

/**
 * Issue 25 item 2: a guesser rotating over addresses sets off the per-account pause;
 * the owner, on a device that signed in before (its device cookie), still signs in at
 * once, while the guessers stay paused. TRUST_PROXY lets each request name its address.
 */
describe('auth: device cookies keep the owner in while a guesser hammers the name', () => {
  const app = useTestApp({ TRUST_PROXY: 'true', REDIS_TIMEOUT_MS: '5000' });
  resetBeforeEach(app, () => register(app.url, 'owner'));

  function login(password: string, ip: string, cookie?: string) {
    return call<{ token: string }>(app.url, '/auth/login', {
      method: 'POST',
      json: { username: 'owner', password },
      headers: { 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) },
    });
  }

  /** The device cookie a sign-in set, as a client's cookie jar would send it back. */
  function deviceCookie(setCookie: string | null): string {
    const match = new RegExp(`${DEVICE_COOKIE}=([^;]+)`).exec(setCookie ?? '');
    expect(match, String(setCookie)).to.not.equal(null);
    return `${DEVICE_COOKIE}=${match![1]}`;
  }

  it('when the owner signs in, then the device cookie is HttpOnly, SameSite=Strict and scoped to /auth', async () => {
    const reply = await login(PASSWORD, '192.0.2.10');
    expect(reply.status).to.equal(200);
    const header = reply.headers.get('set-cookie') ?? '';
    expect(header).to.match(new RegExp(`^${DEVICE_COOKIE}=`));
    expect(header.toLowerCase()).to.include('httponly');
    expect(header.toLowerCase()).to.include('samesite=strict');
    expect(header.toLowerCase()).to.include('path=/auth');
  });

  it('when a guesser on 30 addresses has set off the account pause, then the owner with its device cookie signs in at once and the guessers stay paused', async function (this: Mocha.Context) {
    this.timeout(120000);
    const cookie = deviceCookie((await login(PASSWORD, '192.0.2.10')).headers.get('set-cookie'));
    const guesses = [];
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME.points + 30; i += 1) {
      guesses.push((await login(`guess ${i}`, `203.0.113.${i % 30}`)).status);
    }
    const checked = guesses.filter((s) => s === 401).length;
    // The free failures, then one per pause: the pauses start at 1 s, so a few more.
    expect(checked).to.be.within(
      LOGIN_FAILURES_PER_USERNAME.points,
      LOGIN_FAILURES_PER_USERNAME.points + 6,
    );
    expect(guesses.filter((s) => s === 429).length).to.be.at.least(20);

    for (let round = 0; round < 3; round += 1) {
      const owner = await login(PASSWORD, '192.0.2.10', cookie);
      expect(owner.status, `round ${round}`).to.equal(200);
      // The owner's sign-in does not lift the pause for the guessers.
      expectProblem(await login('another guess', `203.0.113.${round}`), 429);
    }
    // Without the cookie (a new device), the owner waits like everyone else.
    expectProblem(await login(PASSWORD, '198.51.100.7'), 429);
  });

  it('when a device cookie is forged or belongs to another account, then it earns no exemption', async () => {
    await call(app.url, '/auth/register', {
      method: 'POST',
      json: { username: 'mallory', password: PASSWORD },
    });
    const mallorys = deviceCookie(
      (
        await call(app.url, '/auth/login', {
          method: 'POST',
          json: { username: 'mallory', password: PASSWORD },
          headers: { 'x-forwarded-for': '192.0.2.66' },
        })
      ).headers.get('set-cookie'),
    );
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME.points + 5; i += 1) {
      await login(`guess ${i}`, `203.0.113.${i % 30}`);
    }
    for (const cookie of [mallorys, `${DEVICE_COOKIE}=forged`, `${mallorys}x`]) {
      expectProblem(await login(PASSWORD, '192.0.2.66', cookie), 429);
    }
  });

  it('when a device with a cookie fails too often, then it waits like a locked pair', async () => {
    const cookie = deviceCookie((await login(PASSWORD, '192.0.2.10')).headers.get('set-cookie'));
    const statuses = [];
    for (let i = 0; i <= LOGIN_FAILURES_PER_DEVICE.points; i += 1) {
      statuses.push((await login(`wrong ${i}`, `198.51.100.${i}`, cookie)).status);
    }
    expect(statuses).to.deep.equal([...Array(LOGIN_FAILURES_PER_DEVICE.points).fill(401), 429]);
  });
});
