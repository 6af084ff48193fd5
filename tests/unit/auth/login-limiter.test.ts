import { expect } from 'chai';
import { Redis } from 'ioredis';
import sinon from 'sinon';
import { RateLimitedError } from '../../../app/errors/app-errors.js';
import { createMetrics } from '../../../app/metrics/metrics.js';
import {
  createLoginLimiter,
  LOGIN_FAILURES_PER_IP,
  LOGIN_FAILURES_PER_USERNAME_IP,
  LOGIN_LOCKOUT_SECONDS,
  type LoginLimiter,
} from '../../../app/rate-limit/limiters.js';

/**
 * The lockout rules, run on the in-memory insurance limiters: the Redis client here
 * never connects, which is also how a replica behaves while Redis is down. Fake timers
 * stand in for the 15 minutes and the day.
 */
describe('login limiter (in-memory insurance)', () => {
  let redis: Redis;
  let limiter: LoginLimiter;
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    clock = sinon.useFakeTimers({
      now: Date.UTC(2026, 0, 5, 9),
      toFake: ['Date', 'setTimeout', 'clearTimeout'],
    });
    limiter = createLoginLimiter({ redis, metrics: createMetrics() });
  });
  afterEach(() => {
    clock.restore();
    redis.disconnect();
  });

  async function rejection(promise: Promise<unknown>): Promise<RateLimitedError> {
    try {
      await promise;
    } catch (err) {
      expect(err).to.be.instanceOf(RateLimitedError);
      return err as RateLimitedError;
    }
    throw new Error('expected a 429');
  }

  async function fail(times: number, username = 'alice', ip = '192.0.2.1') {
    for (let i = 0; i < times; i += 1) await limiter.recordFailure(username, ip);
  }

  it('when a name fails fewer times than the limit, then it may keep trying', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await limiter.assertAllowed('alice', '192.0.2.1');
  });

  it('when a name reaches the limit, then it is locked out for 15 minutes, then free again', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points);
    const error = await rejection(limiter.assertAllowed('alice', '192.0.2.1'));
    expect(error.extras.headers?.['Retry-After']).to.equal(String(LOGIN_LOCKOUT_SECONDS));
    await clock.tickAsync(LOGIN_LOCKOUT_SECONDS * 1000 + 1);
    await limiter.assertAllowed('alice', '192.0.2.1');
  });

  it('when a name is locked out from one address, then the same name from another address is not', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points);
    await limiter.assertAllowed('alice', '198.51.100.9');
  });

  it('when a sign-in succeeds, then the failures before it are forgotten', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await limiter.recordSuccess('alice', '192.0.2.1');
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await limiter.assertAllowed('alice', '192.0.2.1');
  });

  it('when one address fails across many names, then it is stopped for the rest of the day', async () => {
    const perName = LOGIN_FAILURES_PER_USERNAME_IP.points - 1;
    const names = Math.ceil(LOGIN_FAILURES_PER_IP.points / perName);
    let thrown: unknown;
    try {
      for (let n = 0; n < names; n += 1) await fail(perName, `user${n}`);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(RateLimitedError);
    await rejection(limiter.assertAllowed('someone.new', '192.0.2.1'));
    await limiter.assertAllowed('someone.new', '198.51.100.9');
    await clock.tickAsync(24 * 60 * 60 * 1000 + 1);
    await limiter.assertAllowed('someone.new', '192.0.2.1');
  });
});
