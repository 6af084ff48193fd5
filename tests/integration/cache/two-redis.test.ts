import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call, expectProblem, type Reply } from '../../support/http.js';
import { timed, type Timed } from '../../support/latency.js';
import { testServers } from '../../support/root-hooks.js';
import { redisReady, startRedisAs, type RoleRedis } from '../../support/servers.js';
import { waitUntil } from '../../support/wait-until.js';
import { createProject, startReplicas, stopReplicas } from './support.js';
import { PASSWORD, signUp, type User } from '../../support/sign-up.js';

// A hang bound, not a speed claim: a cache command times out at 100 ms, a session
// check waits REDIS_RECONNECT_WAIT_MS (300 here); the rest is a loaded machine.
const SLOWEST_MS = 1500;
const IP = '10.6.0.1';

describe('cache: state and cache in two Redis servers, one of them down', function () {
  this.timeout(60000);
  let cacheRedis: RoleRedis;
  let apps: TestApp[] = [];
  let user: User;
  let id: string;

  before(async () => {
    cacheRedis = await startRedisAs({ maxmemory: '8mb', policy: 'allkeys-lru', appendonly: 'no' });
    apps = await startReplicas(2, {
      CACHE_REDIS_URL: cacheRedis.url,
      REDIS_RECONNECT_WAIT_MS: '300',
    });
  });
  after(async () => {
    await stopReplicas(apps);
    await cacheRedis.stop();
  });
  beforeEach(async () => {
    await resetData(apps[0]!.deps);
    user = await signUp(apps[0]!.url, 'cache', { forwardedFor: IP });
    id = await createProject(apps[0]!.url, user.token, IP);
    // Now in the cache Redis, put there by replica 0; replica 1 has not read it.
    expect((await call(apps[0]!.url, `/projects/${id}`)).status).to.equal(200);
  });
  afterEach(async () => {
    await cacheRedis.server.start();
    await testServers().redis.start();
    await redisReady(apps[0]!.deps.redis);
    // The next test counts on every replica using the cache Redis again: its
    // subscription back (a heartbeat echoed), then the breaker past its cooldown, after
    // which the next read probes Redis instead of going straight to MongoDB.
    await cacheBack(apps);
  });

  const login = (app: TestApp) =>
    timed(() =>
      call(app.url, '/auth/login', {
        method: 'POST',
        json: { username: user.username, password: PASSWORD },
        headers: { 'x-forwarded-for': IP },
      }),
    );

  it('when the cache Redis is down and the state Redis up, then reads go to MongoDB and sign-in still works', async () => {
    await cacheRedis.server.stop();
    const reads: Timed<Reply<any>>[] = [];
    for (let i = 0; i < 8; i += 1)
      reads.push(await timed(() => call(apps[1]!.url, `/projects/${id}`)));
    const seen = reads.map((r) => r.value.headers.get('x-cache')).join(',');
    const slowest = Math.max(...reads.map((r) => r.ms));
    console.log(`      cache Redis down: X-Cache ${seen}, slowest ${slowest.toFixed(0)} ms`);
    for (const { value: reply } of reads) {
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('x-cache')).to.equal('MISS');
    }
    expect(slowest).to.be.below(SLOWEST_MS);

    const signedIn = await login(apps[1]!);
    expect(signedIn.value.status, JSON.stringify(signedIn.value.body)).to.equal(200);
    const token = (signedIn.value.body as { token: string }).token;
    expect((await call(apps[1]!.url, '/auth/me', { token })).status).to.equal(200);
  });

  it('when the state Redis is down and the cache Redis up, then cached reads are still served and sign-in answers 503', async () => {
    await testServers().redis.stop();
    // Replica 1 never read the project: a HIT there comes from the cache Redis.
    const read = await timed(() => call(apps[1]!.url, `/projects/${id}`));
    const signIn = await login(apps[1]!);
    console.log(
      `      state Redis down: cached read ${read.value.status} X-Cache ${read.value.headers.get('x-cache')} ` +
        `in ${read.ms.toFixed(0)} ms; sign-in ${signIn.value.status} in ${signIn.ms.toFixed(0)} ms`,
    );
    expect(read.value.status).to.equal(200);
    expect(read.value.headers.get('x-cache')).to.equal('HIT');
    expectProblem(signIn.value, 503);
    expect(signIn.ms).to.be.below(SLOWEST_MS);
  });
});

async function cacheBack(apps: TestApp[]): Promise<void> {
  const heard = () => apps.every((app) => app.deps.cache?.state().bus === true);
  await waitUntil('every replica hears the cache Redis again', 10000, heard, { everyMs: 50 });
  await sleep(apps[0]!.deps.config.CACHE_BREAKER_COOLDOWN_MS + 100);
}
