import { expect } from 'chai';
import { Redis } from 'ioredis';
import sinon from 'sinon';
import { RateLimitedError } from '../../../app/errors/app-errors.js';
import { createMetrics } from '../../../app/metrics/metrics.js';
import {
  createLoginLimiter,
  LOGIN_BACKOFF_MAX_SECONDS,
  LOGIN_FAILURES_PER_IP,
  LOGIN_FAILURES_PER_USERNAME,
  LOGIN_FAILURES_PER_USERNAME_IP,
  LOGIN_LOCKOUT_SECONDS,
  pauseSeconds,
  type LoginLimiter,
} from '../../../app/rate-limit/login-limiter.js';

/**
 * The lockout rules, run on the in-memory insurance limiters: the Redis client here
 * never connects, which is also how a replica behaves while Redis is down. Fake timers
 * stand in for the minutes and the day.
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

  /** Failed attempts: begun (so counted) and never succeeded. */
  async function fail(times: number, username = 'alice', ip = '192.0.2.1') {
    for (let i = 0; i < times; i += 1) await limiter.begin(username, ip, true);
  }

  const retryAfter = (error: RateLimitedError) => Number(error.extras.headers?.['Retry-After']);

  it('when a name fails fewer times than the limit, then it may keep trying', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await limiter.begin('alice', '192.0.2.1', true);
  });

  it('when a name reaches the limit, then it is locked out for 15 minutes, then free again', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points);
    const error = await rejection(limiter.begin('alice', '192.0.2.1', true));
    expect(retryAfter(error)).to.equal(LOGIN_LOCKOUT_SECONDS);
    await clock.tickAsync(LOGIN_LOCKOUT_SECONDS * 1000 + 1);
    await limiter.begin('alice', '192.0.2.1', true);
  });

  it('when attempts are begun in parallel, then no more than the limit get through', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => limiter.begin('alice', '192.0.2.1', true)),
    );
    const through = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(through).to.equal(LOGIN_FAILURES_PER_USERNAME_IP.points);
  });

  it('when a sign-in succeeds, then the failures before it are forgotten', async () => {
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await (await limiter.begin('alice', '192.0.2.1', true)).succeeded();
    await fail(LOGIN_FAILURES_PER_USERNAME_IP.points - 1);
    await limiter.begin('alice', '192.0.2.1', true);
  });

  it('when an attempt is abandoned, then it does not count', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME_IP.points * 2; i += 1) {
      await (await limiter.begin('alice', '192.0.2.1', true)).abandon();
    }
    await limiter.begin('alice', '192.0.2.1', true);
  });

  it('when one name fails from many addresses, then each attempt past the free ones waits a doubling pause', async () => {
    const free = LOGIN_FAILURES_PER_USERNAME.points;
    for (let i = 0; i < free; i += 1) await limiter.begin('alice', `198.51.100.${i}`, true);
    await limiter.begin('alice', '203.0.113.1', true);
    const first = await rejection(limiter.begin('alice', '203.0.113.2', true));
    expect(retryAfter(first)).to.equal(pauseSeconds(1));
    await clock.tickAsync(pauseSeconds(1) * 1000 + 1);
    await limiter.begin('alice', '203.0.113.3', true);
    const second = await rejection(limiter.begin('alice', '203.0.113.4', true));
    expect(retryAfter(second)).to.equal(pauseSeconds(2));
    // Another name is not slowed by alice's attackers.
    await limiter.begin('bob', '203.0.113.4', true);
  });

  it('when the pause is computed, then it doubles from 1 s and stops at 5 minutes', () => {
    expect([1, 2, 3, 4].map(pauseSeconds)).to.deep.equal([1, 2, 4, 8]);
    expect(pauseSeconds(30)).to.equal(LOGIN_BACKOFF_MAX_SECONDS);
  });

  it('when refused attempts pile up during a pause, then the next pause does not grow', async () => {
    const free = LOGIN_FAILURES_PER_USERNAME.points;
    for (let i = 0; i <= free; i += 1) await limiter.begin('alice', `198.51.100.${i}`, true);
    for (let i = 0; i < 20; i += 1) await rejection(limiter.begin('alice', `203.0.113.${i}`, true));
    await clock.tickAsync(pauseSeconds(1) * 1000 + 1);
    await limiter.begin('alice', '203.0.113.50', true);
    const next = await rejection(limiter.begin('alice', '203.0.113.51', true));
    expect(retryAfter(next)).to.equal(pauseSeconds(2));
  });

  it('when one address fails across many names, then it is slowed for minutes, not a day', async () => {
    const names = LOGIN_FAILURES_PER_IP.points;
    for (let n = 0; n < names; n += 1) await limiter.begin(`user${n}`, '192.0.2.1', true);
    const error = await rejection(limiter.begin('someone.new', '192.0.2.1', true));
    expect(retryAfter(error)).to.be.at.most(LOGIN_FAILURES_PER_IP.duration);
    await limiter.begin('someone.new', '198.51.100.9', true);
    await clock.tickAsync(LOGIN_FAILURES_PER_IP.duration * 1000 + 1);
    await limiter.begin('someone.new', '192.0.2.1', true);
  });

  it('when the name is no account, then it locks out per address like a real one, but no per-account pause follows it', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME_IP.points; i += 1) {
      await limiter.begin('ghost', '192.0.2.7', false);
    }
    await rejection(limiter.begin('ghost', '192.0.2.7', false));
    // Past the free failures, from other addresses: no pause, as there is no account.
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME.points * 3; i += 1) {
      await limiter.begin('ghost', `198.51.100.${i}`, false);
    }
    await limiter.begin('ghost', '203.0.113.9', true);
  });

  it('when sign-ins from an address succeed, then they do not count against it', async () => {
    for (let n = 0; n < LOGIN_FAILURES_PER_IP.points * 2; n += 1) {
      await (await limiter.begin(`user${n}`, '192.0.2.1', true)).succeeded();
    }
    await limiter.begin('someone.new', '192.0.2.1', true);
  });
});
