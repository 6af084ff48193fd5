import { expect } from 'chai';
import { WRITES_PER_IP, WRITES_PER_USER } from '../../../app/rate-limit/limiters.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';

const project = { name: 'Limit probe', budget: 1, status: 'planning' };

describe('rate limits on writes, shared through Redis', () => {
  const app = useTestApp();
  resetBeforeEach(app);

  async function writeTimes(token: string, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      const reply = await call(app.url, '/projects', { method: 'POST', token, json: project });
      expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    }
  }

  it(`when one user writes more than ${WRITES_PER_USER.points} times a minute, then 429 with Retry-After`, async () => {
    const alice = await signUp(app.url, 'alice');
    await writeTimes(alice.token, WRITES_PER_USER.points);
    const reply = await call(app.url, '/projects', {
      method: 'POST',
      token: alice.token,
      json: project,
    });
    expectProblem(reply, 429);
    expect(Number(reply.headers.get('retry-after'))).to.be.within(1, 60);
    const metrics = await app.deps.metrics.registry.getSingleMetricAsString(
      'rate_limit_rejections_total',
    );
    expect(metrics).to.include('limiter="writes_user"');
  });

  it('when one user is limited, then another user from the same address may still write', async () => {
    const alice = await signUp(app.url, 'alice');
    const bob = await signUp(app.url, 'bob');
    await writeTimes(alice.token, WRITES_PER_USER.points);
    await writeTimes(bob.token, 1);
  });

  it(`when one address writes more than ${WRITES_PER_IP.points} times a minute across users, then 429`, async () => {
    const users = [
      await signUp(app.url, 'u1'),
      await signUp(app.url, 'u2'),
      await signUp(app.url, 'u3'),
    ];
    const perUser = WRITES_PER_IP.points / 2;
    await writeTimes(users[0]!.token, perUser);
    await writeTimes(users[1]!.token, perUser);
    const reply = await call(app.url, '/projects', {
      method: 'POST',
      token: users[2]!.token,
      json: project,
    });
    expectProblem(reply, 429);
    const metrics = await app.deps.metrics.registry.getSingleMetricAsString(
      'rate_limit_rejections_total',
    );
    expect(metrics).to.include('limiter="writes_ip"');
  });
});
