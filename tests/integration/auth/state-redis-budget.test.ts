import { expect } from 'chai';
import { Redis } from 'ioredis';
import {
  LOGIN_FAILURES_PER_IP,
  LOGIN_FAILURES_PER_USERNAME_IP,
  SIGNINS_PER_IP,
} from '../../../app/rate-limit/login-limiter.js';
import {
  resetBeforeEach,
  startTestApp,
  useTestApp,
  type TestApp,
} from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { infoField, startRedisAs, type RoleRedis } from '../../support/servers.js';
import { testServers } from '../../support/root-hooks.js';
import { readStack, service } from '../../stack/stack-file.js';

const PASSWORD = 'a long enough password';
const HOUR_S = 3600;
/** 0.1 % of the state Redis's maxmemory in docker-stack.yml (256mb). */
const BUDGET_BYTES =
  (parseInt(String(service(readStack(), 'redis').environment?.REDIS_MAXMEMORY), 10) * 2 ** 20) /
  1000;

/** Every key in Redis with the bytes Redis says it takes and its time to live. */
async function keys(redis: Redis): Promise<{ key: string; bytes: number; ttl: number }[]> {
  const out = [];
  for (const key of await redis.keys('*')) {
    const bytes = Number(await redis.memory('USAGE', key));
    out.push({ key, bytes, ttl: await redis.ttl(key) });
  }
  return out;
}

/**
 * What one anonymous address can make the state Redis hold, measured with the bytes
 * Redis reports (MEMORY USAGE) against the real server; the arithmetic for a whole day
 * is in stack/README.md ("What one address can store").
 */
describe('auth: what one address can make the state Redis hold', () => {
  const app = useTestApp({ TRUST_PROXY: 'true', REDIS_TIMEOUT_MS: '5000' });
  let redis: Redis;
  before(() => {
    redis = new Redis(testServers().redisUrl);
  });
  after(() => {
    redis.disconnect();
  });
  resetBeforeEach(app);

  const login = (username: string, password: string, ip: string) =>
    call(app.url, '/auth/login', {
      method: 'POST',
      json: { username, password },
      headers: { 'x-forwarded-for': ip },
    });

  it('when one address sprays sign-ins at names that do not exist, then what it leaves stops growing, lives at most an hour and stays under 0.1 % of maxmemory', async () => {
    const ip = '203.0.113.5';
    const spray = async (from: number, to: number) => {
      const statuses = [];
      for (let i = from; i < to; i += 1) {
        statuses.push(
          (await login(`spray_${i}_${Math.random().toString(36).slice(2)}`, PASSWORD, ip)).status,
        );
      }
      return statuses;
    };
    const first = await spray(0, 60);
    expect(first.filter((s) => s === 401)).to.have.length(LOGIN_FAILURES_PER_IP.points);
    expect(first.filter((s) => s === 429)).to.have.length(60 - LOGIN_FAILURES_PER_IP.points);
    const after60 = await keys(redis);
    const later = await spray(60, 300);
    expect(later.every((s) => s === 429)).to.equal(true);
    const after300 = await keys(redis);

    // Refused attempts wrote nothing: the keys are the same ones.
    expect(after300.map((k) => k.key).sort()).to.deep.equal(after60.map((k) => k.key).sort());
    // No per-account key for a made-up name; the per-address name keys live an hour.
    expect(after300.filter((k) => k.key.startsWith('rl:login_username:'))).to.deep.equal([]);
    for (const { key, ttl } of after300) expect(ttl, key).to.be.within(1, HOUR_S);
    const bytes = after300.reduce((sum, k) => sum + k.bytes, 0);
    // A day at the edge's 20 r/s: each hour at most 6 × LOGIN_FAILURES_PER_IP attempts
    // pass the address's limit, each leaving at most one name key that lives an hour.
    const perNameKey = Math.max(
      ...after300.filter((k) => k.key.startsWith('rl:login_username_ip:')).map((k) => k.bytes),
    );
    const dayBound = bytes + 6 * LOGIN_FAILURES_PER_IP.points * perNameKey;
    console.log(
      `      after 300 attempts: ${after300.length} keys, ${bytes} bytes; a day's bound ${dayBound} bytes (budget ${BUDGET_BYTES.toFixed(0)})`,
    );
    expect(dayBound).to.be.below(BUDGET_BYTES);
  });

  it('when one account signs in hundreds of times across two replicas, then it keeps the newest MAX_SESSIONS_PER_USER sessions', async function (this: Mocha.Context) {
    this.timeout(120000);
    const other = await startTestApp({ TRUST_PROXY: 'true', REDIS_TIMEOUT_MS: '5000' });
    try {
      const registered = await call(app.url, '/auth/register', {
        method: 'POST',
        json: { username: 'many', password: PASSWORD },
      });
      expect(registered.status).to.equal(201);
      const max = app.deps.config.MAX_SESSIONS_PER_USER;
      const tokens: string[] = [];
      for (let i = 0; i < max + 30; i += 1) {
        const reply = await call<{ token: string }>(i % 2 ? other.url : app.url, '/auth/login', {
          method: 'POST',
          json: { username: 'many', password: PASSWORD },
          headers: { 'x-forwarded-for': `198.51.100.${i % 200}` },
        });
        expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
        tokens.push(reply.body.token);
      }
      const live = (await redis.keys('session:*')).filter(
        (k) => !k.startsWith('session:user:'),
      ).length;
      expect(live).to.equal(max);
      const me = (token: string) => call(app.url, '/auth/me', { token });
      for (const token of tokens.slice(0, 30)) expectProblem(await me(token), 401);
      for (const token of tokens.slice(-5)) expect((await me(token)).status).to.equal(200);
      const sessionBytes = (await keys(redis))
        .filter((k) => k.key.startsWith('session'))
        .reduce((sum, k) => sum + k.bytes, 0);
      console.log(`      ${max} sessions and their index: ${sessionBytes} bytes`);
      // What one address's SIGNINS_PER_IP sessions take, at these bytes per session.
      expect((sessionBytes / max) * SIGNINS_PER_IP.points).to.be.below(BUDGET_BYTES);
    } finally {
      await other.stop();
    }
  });

  it('when one address has signed in SIGNINS_PER_IP times, then the next sign-in is a 429 and makes no session', async () => {
    const scaled = await startTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_SCALE: '0.01' });
    try {
      await call(scaled.url, '/auth/register', {
        method: 'POST',
        json: { username: 'office', password: PASSWORD },
      });
      const allowed = Math.round(SIGNINS_PER_IP.points * 0.01);
      const statuses = [];
      for (let i = 0; i < allowed + 2; i += 1) {
        const reply = await call(scaled.url, '/auth/login', {
          method: 'POST',
          json: { username: 'office', password: PASSWORD },
          headers: { 'x-forwarded-for': '192.0.2.44' },
        });
        statuses.push(reply.status);
        if (reply.status === 429) expect(reply.headers.get('retry-after')).to.match(/^\d+$/);
      }
      expect(statuses).to.deep.equal([...Array(allowed).fill(200), 429, 429]);
      expect(
        (await redis.keys('session:*')).filter((k) => !k.startsWith('session:user:')).length,
      ).to.equal(allowed);
    } finally {
      await scaled.stop();
    }
  });

  it('when a made-up name fails from one address as often as a real one, then both lock out the same way', async () => {
    await call(app.url, '/auth/register', {
      method: 'POST',
      json: { username: 'real', password: PASSWORD },
    });
    for (const name of ['real', 'madeup']) {
      const statuses = [];
      for (let i = 0; i <= LOGIN_FAILURES_PER_USERNAME_IP.points; i += 1) {
        statuses.push((await login(name, 'wrong password', `192.0.2.${name.length}`)).status);
      }
      expect(statuses, name).to.deep.equal([
        ...Array(LOGIN_FAILURES_PER_USERNAME_IP.points).fill(401),
        429,
      ]);
    }
  });
});

describe('auth: a full state Redis', () => {
  let state: RoleRedis;
  let app: TestApp;
  let filler: Redis;
  before(async () => {
    state = await startRedisAs({ maxmemory: '4mb', policy: 'noeviction', appendonly: 'no' });
    app = await startTestApp({
      REDIS_URL: state.url,
      CACHE_REDIS_URL: testServers().redisUrl,
      TRUST_PROXY: 'true',
    });
    filler = new Redis(state.url);
  });
  after(async () => {
    filler.disconnect();
    await app.stop();
    await state.stop();
  });

  it('when it is full, then a sign-in answers a clear 503 and existing sessions still authenticate', async () => {
    await call(app.url, '/auth/register', {
      method: 'POST',
      json: { username: 'early', password: PASSWORD },
    });
    const signedIn = await call<{ token: string }>(app.url, '/auth/login', {
      method: 'POST',
      json: { username: 'early', password: PASSWORD },
    });
    expect(signedIn.status).to.equal(200);
    // Fill it until Redis refuses even a small write (noeviction).
    for (const size of [64 * 1024, 1024, 64]) {
      const chunk = 'x'.repeat(size);
      for (let i = 0; i < 100000; i += 1) {
        const full = await filler.set(`rl:filler:${size}:${i}`, chunk).then(
          () => false,
          (err: unknown) => (err as Error).message.includes('OOM'),
        );
        if (full) break;
      }
    }
    // Used memory can fall back under maxmemory on its own after the fill (8 runs in 30
    // let a sign-in through): hold maxmemory under what is now used so it stays full.
    const operator = new Redis(state.operatorUrl);
    try {
      const used = await infoField(operator, 'used_memory');
      await operator.config('SET', 'maxmemory', String(used - 256 * 1024));
    } finally {
      operator.disconnect();
    }
    const refused = await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: 'early', password: PASSWORD },
    });
    expectProblem(refused, 503);
    expect(JSON.stringify(refused.body)).to.match(/session store is full/);
    const me = await call(app.url, '/auth/me', { token: signedIn.body.token });
    expect(me.status, JSON.stringify(me.body)).to.equal(200);
  });
});
