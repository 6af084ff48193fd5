import { expect } from 'chai';
import {
  LOGIN_FAILURES_PER_USERNAME_IP,
  LOGIN_LOCKOUT_SECONDS,
} from '../../../app/rate-limit/login-limiter.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { ADMIN_PASSWORD, PASSWORD, register } from '../../support/sign-up.js';

describe('auth: POST /auth/login', () => {
  const app = useTestApp();
  resetBeforeEach(app, () => register(app.url, 'alice'));

  function login(json: unknown, headers: Record<string, string> = {}) {
    return call(app.url, '/auth/login', { method: 'POST', json, headers });
  }

  it('when logging in with the right password, then 200 with a token and its expiry', async () => {
    const reply = await login({ username: 'alice', password: PASSWORD });
    expect(reply.status).to.equal(200);
    expect(reply.body).to.have.keys('token', 'expiresAt');
    expect(reply.body.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    const ttlMs = Date.parse(reply.body.expiresAt) - Date.now();
    expect(ttlMs).to.be.within(0, app.deps.config.SESSION_TTL_SECONDS * 1000);
    expect(reply.headers.get('cache-control')).to.equal('no-store');
  });

  it('when logging in, then Redis holds only a hash of the token', async () => {
    const { body } = await login({ username: 'alice', password: PASSWORD });
    const keys = (await app.deps.redis.keys('session:*')).sort();
    // The session, and the account's index of its sessions (for MAX_SESSIONS_PER_USER).
    expect(keys).to.have.length(2);
    expect(keys[0])
      .to.match(/^session:[0-9a-f]{64}$/)
      .and.not.include(body.token);
    expect(keys[1]).to.match(/^session:user:[0-9a-f]{24}$/);
    expect(await app.deps.redis.get(keys[0]!)).not.to.include(body.token);
    expect(await app.deps.redis.zrange(keys[1]!, '0', '-1')).to.deep.equal([keys[0]!.slice(8)]);
  });

  it('when the admin logs in with ADMIN_PASSWORD, then /auth/me says admin', async () => {
    const { body } = await login({ username: 'admin', password: ADMIN_PASSWORD });
    const me = await call(app.url, '/auth/me', { token: body.token });
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ username: 'admin', role: 'admin' });
  });

  it('when the username is unknown or the password wrong, then the same 401 body', async () => {
    const unknown = await login({ username: 'nobody', password: PASSWORD });
    const wrong = await login({ username: 'alice', password: 'not the password' });
    expectProblem(unknown, 401);
    expectProblem(wrong, 401);
    expect(unknown.body).to.deep.equal(wrong.body);
    expect(unknown.headers.get('www-authenticate')).to.equal(wrong.headers.get('www-authenticate'));
  });

  it('when the username breaks the registration rules, then the same 401 as an unknown one', async () => {
    const odd = await login({ username: 'ALICE', password: PASSWORD });
    const unknown = await login({ username: 'nobody', password: PASSWORD });
    expect(odd.body).to.deep.equal(unknown.body);
  });

  for (const [why, json] of [
    ['an operator object as username', { username: { $gt: '' }, password: PASSWORD }],
    ['an operator object as password', { username: 'alice', password: { $ne: null } }],
    ['a missing password', { username: 'alice' }],
    ['an unknown field', { username: 'alice', password: PASSWORD, remember: true }],
    ['a password of 129 characters', { username: 'alice', password: 'x'.repeat(129) }],
  ] as const) {
    it(`when logging in with ${why}, then 400 and no token`, async () => {
      expectProblem(await login(json), 400);
      expect(await app.deps.redis.keys('session:*')).to.deep.equal([]);
    });
  }

  it('when the login body is malformed, not JSON or too large, then 400, 415 and 413', async () => {
    expectProblem(await login('{"username":'), 400);
    expectProblem(await login('[]'), 400);
    expectProblem(await login('{}', { 'content-type': 'text/plain' }), 415);
    expectProblem(await login({ username: 'alice', password: 'x'.repeat(70 * 1024) }), 413);
  });

  it('when one name fails repeatedly from one address, then 429 with Retry-After, even with the right password', async () => {
    const { points } = LOGIN_FAILURES_PER_USERNAME_IP;
    for (let i = 0; i < points; i += 1) {
      expectProblem(await login({ username: 'alice', password: 'wrong password' }), 401);
    }
    const blocked = await login({ username: 'alice', password: PASSWORD });
    expectProblem(blocked, 429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).to.be.within(LOGIN_LOCKOUT_SECONDS - 5, LOGIN_LOCKOUT_SECONDS);
    const metrics = await app.deps.metrics.registry.getSingleMetricAsString(
      'rate_limit_rejections_total',
    );
    expect(metrics).to.include('limiter="login_username_ip"');
  });

  it('when unknown names fail repeatedly, then they are locked out the same way', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME_IP.points; i += 1) {
      expectProblem(await login({ username: 'nobody', password: PASSWORD }), 401);
    }
    expectProblem(await login({ username: 'nobody', password: PASSWORD }), 429);
  });

  it('when a sign-in succeeds, then the earlier failures are forgotten', async () => {
    const almost = LOGIN_FAILURES_PER_USERNAME_IP.points - 1;
    for (let i = 0; i < almost; i += 1)
      await login({ username: 'alice', password: 'wrong password' });
    expect((await login({ username: 'alice', password: PASSWORD })).status).to.equal(200);
    for (let i = 0; i < almost; i += 1) {
      expectProblem(await login({ username: 'alice', password: 'wrong password' }), 401);
    }
    expect((await login({ username: 'alice', password: PASSWORD })).status).to.equal(200);
  });

  it('when one name is locked out, then another name from the same address still signs in', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME_IP.points; i += 1) {
      await login({ username: 'nobody', password: PASSWORD });
    }
    expect((await login({ username: 'alice', password: PASSWORD })).status).to.equal(200);
  });
});
