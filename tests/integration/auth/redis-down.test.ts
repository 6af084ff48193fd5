import { expect } from 'chai';
import type { Context } from 'koa';
import { RateLimitedError } from '../../../app/errors/app-errors.js';
import { REGISTRATIONS_PER_IP } from '../../../app/rate-limit/limiters.js';
import { resetBeforeEach, resetData, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { testServers } from '../../support/root-hooks.js';
import { redisReady } from '../../support/servers.js';
import { signUp, PASSWORD } from '../../support/sign-up.js';
import { stopwatch } from '../../support/latency.js';

const RECONNECT_WAIT_MS = 300;

describe('auth: while the Redis server is down', () => {
  const app = useTestApp({ REDIS_RECONNECT_WAIT_MS: String(RECONNECT_WAIT_MS) });
  let alice: { token: string; username: string };
  resetBeforeEach(app, async () => {
    alice = await signUp(app.url, 'alice');
    await testServers().redis.stop();
  });
  afterEach(async () => {
    // Every later test needs Redis back, whatever happened here.
    await testServers().redis.start();
    await redisReady(app.deps.redis);
  });

  it('when a signed-in user asks /auth/me, then 503 with Retry-After once the reconnect wait is over', async () => {
    const started = stopwatch();
    const reply = await call(app.url, '/auth/me', { token: alice.token });
    // A hang bound, not a speed claim: the reconnect wait plus a generous second.
    expect(started.ms()).to.be.below(RECONNECT_WAIT_MS + 1000);
    expectProblem(reply, 503);
    expect(reply.headers.get('retry-after')).to.equal('1');
  });

  it('when a token is malformed, then 401 without asking Redis', async () => {
    expectProblem(await call(app.url, '/auth/me', { token: 'not-a-token' }), 401);
  });

  it('when logging in, then 503 rather than a token that no replica could check', async () => {
    const reply = await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: alice.username, password: PASSWORD },
    });
    expectProblem(reply, 503);
  });

  it('when registering, then it still works, limited from this replica’s memory', async () => {
    const reply = await call(app.url, '/auth/register', {
      method: 'POST',
      json: { username: 'bob', password: PASSWORD },
    });
    expect(reply.status).to.equal(201);
  });

  it('when the registration limit is reached, then the in-memory insurance limiter still says 429', async () => {
    const ctx = { ip: '192.0.2.7', state: {} } as unknown as Context;
    const next = () => Promise.resolve();
    for (let i = 0; i < REGISTRATIONS_PER_IP.points; i += 1) {
      await app.deps.limiters.register(ctx, next);
    }
    let thrown: unknown;
    try {
      await app.deps.limiters.register(ctx, next);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(RateLimitedError);
    expect((thrown as RateLimitedError).extras.headers?.['Retry-After']).to.match(/^\d+$/);
  });
});

describe('auth: after the Redis server comes back', () => {
  const app = useTestApp({ REDIS_RECONNECT_WAIT_MS: String(RECONNECT_WAIT_MS) });

  it('when Redis restarts, then signing in works again without restarting the app', async () => {
    await resetData(app.deps);
    await testServers().redis.stop();
    try {
      expectProblem(await call(app.url, '/auth/me', { token: 'A'.repeat(43) }), 503);
    } finally {
      await testServers().redis.start();
      await redisReady(app.deps.redis);
    }
    const alice = await signUp(app.url, 'alice');
    expect((await call(app.url, '/auth/me', { token: alice.token })).status).to.equal(200);
  });
});
