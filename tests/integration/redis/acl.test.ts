import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { capturingLogger } from '../../support/logs.js';
import { REDIS_APP_USER, startRedisAs, type RoleRedis } from '../../support/servers.js';
import { waitUntil } from '../../support/wait-until.js';
import { createProject } from '../cache/support.js';
import { signUp, PASSWORD } from '../../support/sign-up.js';

const IP = '10.9.0.1';

/** The error a command gets, or 'OK' when it ran. */
async function refusal(redis: Redis, command: string, ...args: string[]): Promise<string> {
  return redis.call(command, ...args).then(
    () => 'OK',
    (err: unknown) => (err as Error).message,
  );
}

// Both Redis servers as the stack runs them (stack/swarm/redis-entrypoint.sh): `default`
// off, the app's user allowed only the commands the app runs on that role.
describe('redis: the app signs in as an ACL user that may run only what it uses', function () {
  this.timeout(60000);
  let state: RoleRedis;
  let cache: RoleRedis;
  let apps: TestApp[] = [];
  const lines: string[] = [];
  const clients: Redis[] = [];
  // RESP2 and no ready check (INFO): an anonymous connection must stay open to be refused.
  const connect = (url: string) => {
    const redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      protocol: 2,
      enableReadyCheck: false,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  before(async () => {
    state = await startRedisAs({ maxmemory: '16mb', policy: 'noeviction', appendonly: 'no' });
    cache = await startRedisAs({ maxmemory: '8mb', policy: 'allkeys-lru', appendonly: 'no' });
    const env = { TRUST_PROXY: 'true', REDIS_URL: state.url, CACHE_REDIS_URL: cache.url };
    for (let i = 0; i < 2; i += 1) apps.push(await startTestApp(env, capturingLogger(lines)));
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(apps.map((app) => app.stop()));
    apps = [];
    await Promise.all([state.stop(), cache.stop()]);
  });

  it('when two replicas sign in, lock out, cache and invalidate through both servers, then everything that needs Redis works and nothing was refused', async () => {
    const [a, b] = apps as [TestApp, TestApp];
    // Sessions: a token made on one replica is read by the other from the state Redis.
    const user = await signUp(a.url, 'cache', { forwardedFor: IP });
    expect((await call(b.url, '/auth/me', { token: user.token })).status).to.equal(200);

    // Cache: b caches the project (L2 script, lease), a's write invalidates it (MULTI,
    // PUBLISH), b's subscriber hears it and reads the new budget.
    const id = await createProject(a.url, user.token, IP);
    expect((await call(b.url, `/projects/${id}`)).status).to.equal(200);
    expect((await call(b.url, `/projects/${id}`)).headers.get('x-cache')).to.equal('HIT');
    const patched = await call(a.url, `/projects/${id}`, {
      method: 'PATCH',
      token: user.token,
      json: { budget: 7 },
      headers: { 'x-forwarded-for': IP },
    });
    expect(patched.status).to.equal(200);
    await waitUntil(
      'the other replica reads the new budget',
      5000,
      async () => (await call(b.url, `/projects/${id}`)).body.budget === 7,
      { everyMs: 50 },
    );

    // Limiters: failures counted on a lock the account out on b too. Each replica's
    // in-memory insurance limiter would not share them: this is the Redis script.
    const wrong = { username: user.username, password: 'not the password at all' };
    for (let n = 0; n < 11; n += 1) {
      await call(a.url, '/auth/login', {
        method: 'POST',
        json: wrong,
        headers: { 'x-forwarded-for': IP },
      });
    }
    const locked = await call(b.url, '/auth/login', {
      method: 'POST',
      json: { username: user.username, password: PASSWORD },
      headers: { 'x-forwarded-for': IP },
    });
    expect(locked.status).to.equal(429);

    for (const app of apps) expect((await call(app.url, '/readyz')).status).to.equal(200);
    expect(
      lines.filter((l) =>
        /NOPERM|WRONGPASS|NOAUTH|redis unavailable|Redis failing|could not subscribe/.test(l),
      ),
    ).to.deep.equal([]);
  });

  it("when the app's user sends an administrative command to either server, then it is refused", async () => {
    for (const server of [state, cache]) {
      const redis = connect(server.url);
      expect(await redis.ping()).to.equal('PONG');
      for (const [command, ...args] of [
        ['FLUSHALL'],
        ['FLUSHDB'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
        ['KEYS', '*'],
        ['SCAN', '0'],
        ['ACL', 'LIST'],
        ['SHUTDOWN'],
        ['SCRIPT', 'FLUSH'],
        ['MONITOR'],
        ['CLIENT', 'KILL', 'TYPE', 'normal'],
      ] as const) {
        expect(await refusal(redis, command, ...args), command).to.match(/^NOPERM/);
      }
      // Redis 7 refuses DEBUG to everyone unless enabled; NOPERM comes first where it is.
      expect(await refusal(redis, 'DEBUG', 'SLEEP', '0')).to.match(
        /^(NOPERM|ERR DEBUG command not allowed)/,
      );
      // Inside a script too: Lua runs as the calling user.
      expect(await refusal(redis, 'EVAL', "return redis.call('FLUSHALL')", '0')).to.match(
        /NOPERM|can't run this command/,
      );
    }
    // Only the role's key prefixes: an app key on the other server, or any other key.
    expect(await refusal(connect(state.url), 'GET', 'gw:c:1:g:x')).to.match(/^NOPERM/);
    expect(await refusal(connect(cache.url), 'GET', 'session:x')).to.match(/^NOPERM/);
    expect(await refusal(connect(cache.url), 'SUBSCRIBE', 'other')).to.match(/^NOPERM/);
    // Each server only what its role needs: no pub/sub on the state Redis, no counters on the cache.
    expect(await refusal(connect(state.url), 'PUBLISH', 'x', 'y')).to.match(/^NOPERM/);
    expect(await refusal(connect(cache.url), 'INCRBY', 'x', '1')).to.match(/^NOPERM/);
  });

  it('when a client signs in as `default` or with the other server’s password, then it is refused', async () => {
    for (const [server, other] of [
      [state, cache],
      [cache, state],
    ] as const) {
      const url = new URL(server.url);
      url.username = '';
      url.password = '';
      const anonymous = connect(url.toString());
      await anonymous.connect();
      expect(await refusal(anonymous, 'PING')).to.match(/^NOAUTH/);
      expect(await refusal(anonymous, 'AUTH', server.password)).to.match(/^WRONGPASS/);
      expect(await refusal(anonymous, 'AUTH', 'default', server.password)).to.match(/^WRONGPASS/);
      expect(await refusal(anonymous, 'AUTH', REDIS_APP_USER, other.password)).to.match(
        /^WRONGPASS/,
      );
      expect(await refusal(anonymous, 'AUTH', REDIS_APP_USER, server.password)).to.equal('OK');
    }
  });
  it('when the rotation secret is mounted, then the old and the new password both open the app’s user, with the same commands', async () => {
    const rotating = await startRedisAs(
      { maxmemory: '8mb', policy: 'allkeys-lru', appendonly: 'no' },
      'the-incoming-password',
    );
    try {
      const incoming = new URL(rotating.url);
      incoming.password = 'the-incoming-password';
      for (const url of [rotating.url, incoming.toString()]) {
        const redis = connect(url);
        expect(await redis.publish('gw:cache:invalidate', 'm')).to.equal(0);
        expect(await refusal(redis, 'FLUSHALL')).to.match(/^NOPERM/);
      }
    } finally {
      await rotating.stop();
    }
  });
});
