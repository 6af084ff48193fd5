import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LOGIN_FAILURES_PER_USERNAME,
  LOGIN_FAILURES_PER_USERNAME_IP,
} from '../../../app/rate-limit/login-limiter.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { PASSWORD, register } from '../../support/sign-up.js';

/**
 * The login limiter against real Redis, with attackers at many addresses: TRUST_PROXY
 * lets each request name its own client address in X-Forwarded-For. The limits hold
 * exactly while Redis answers within REDIS_TIMEOUT_MS; a command slower than that is
 * answered by the replica's in-memory fallback, which grants its own points (at 300 ms
 * on this shared machine, 50 requests at once once let an 11th guess through). So the
 * timeout is raised here: what is tested is the counting, not the machine's load.
 */
describe('auth: login limits under attack', () => {
  const app = useTestApp({ TRUST_PROXY: 'true', REDIS_TIMEOUT_MS: '5000' });
  resetBeforeEach(app, () => register(app.url, 'alice'));

  function login(password: string, address: string) {
    return call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: 'alice', password },
      headers: { 'x-forwarded-for': address },
    });
  }

  async function statuses(replies: Promise<{ status: number }>[]): Promise<number[]> {
    return (await Promise.all(replies)).map((r) => r.status);
  }

  const count = (all: number[], status: number) => all.filter((s) => s === status).length;

  it('when 50 wrong passwords arrive at once from one address, then no more than the lock allows are checked', async () => {
    const all = await statuses(
      Array.from({ length: 50 }, () => login('not the password', '192.0.2.10')),
    );
    expect(count(all, 401)).to.be.at.most(LOGIN_FAILURES_PER_USERNAME_IP.points);
    expect(count(all, 429)).to.equal(50 - count(all, 401));
    expectProblem(await login(PASSWORD, '192.0.2.10'), 429);
  });

  it('when 50 wrong passwords arrive at once from 50 addresses, then the account lets only its free failures and one more through', async () => {
    const all = await statuses(
      Array.from({ length: 50 }, (_, i) => login('not the password', `198.51.100.${i + 1}`)),
    );
    expect(count(all, 401)).to.be.at.most(LOGIN_FAILURES_PER_USERNAME.points + 1);
    expect(count(all, 429)).to.equal(50 - count(all, 401));
  });

  it('when an account is attacked from many addresses, then it backs off, and its owner at an attacked address signs in once the pause allows', async () => {
    for (let i = 0; i <= LOGIN_FAILURES_PER_USERNAME.points; i += 1) {
      expectProblem(await login('not the password', `203.0.113.${i + 1}`), 401);
    }
    const refused = await login('not the password', '203.0.113.100');
    expectProblem(refused, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 2);
    // The owner shares the first attacker's address, which failed once for alice.
    await sleep(retryAfter * 1000 + 100);
    const owner = await login(PASSWORD, '203.0.113.1');
    expect(owner.status, JSON.stringify(owner.body)).to.equal(200);
    // The owner's success cleared the account's failures: no pause for the next one.
    expect((await login(PASSWORD, '203.0.113.2')).status).to.equal(200);
  });
});
