import { expect } from 'chai';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublicUser } from '../../../app/auth/types.js';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { infoField } from '../../support/servers.js';
import {
  seedProjects,
  startCacheRedis,
  startReplicas,
  stopReplicas,
  type CacheRedis,
} from './support.js';
import { signUp, PASSWORD } from '../../support/sign-up.js';
import { stopwatch } from '../../support/latency.js';

const ADMIN: PublicUser = { id: 'test-admin', username: 'admin', role: 'admin' };
// Small, so that ten times it is a few hundred list pages on a slow test machine.
const CACHE_MAXMEMORY = 4 * 1024 * 1024;
const USERS = 20;
// Generous: the flood writes nothing to the state Redis; a few MB is allocator noise.
const STATE_GROWTH_BOUND = 4 * 1024 * 1024;

describe('cache: a flood of anonymous reads through the cache Redis', function () {
  this.timeout(300000);
  let cacheRedis: CacheRedis;
  let apps: TestApp[] = [];

  before(async () => {
    cacheRedis = await startCacheRedis(String(CACHE_MAXMEMORY));
    // Admission off (window 0): every distinct list page is stored, the most memory a
    // flood can put through the cache Redis.
    apps = await startReplicas(1, { CACHE_REDIS_URL: cacheRedis.url, CACHE_ADMIT_WINDOW_MS: '0' });
    await resetData(apps[0]!.deps);
    // 100: a full page is the whole collection, the least MongoDB work per page.
    await seedProjects(apps[0]!.deps.projects, ADMIN, 100);
  });
  after(async () => {
    await stopReplicas(apps);
    await cacheRedis.stop();
  });

  it('when ten times the cache Redis’s maxmemory of list pages and unknown ids goes through it, then every session, the lockout and sign-in hold, and the state Redis stays small', async () => {
    const app = apps[0]!;
    const state = app.deps.redis;
    expect(await state.config('GET', 'maxmemory-policy')).to.deep.equal([
      'maxmemory-policy',
      'noeviction',
    ]);
    const users = [];
    for (let i = 0; i < USERS; i += 1)
      users.push(await signUp(app.url, 'cache', { forwardedFor: `10.7.0.${i + 1}` }));
    const victim = await signUp(app.url, 'cache', { forwardedFor: '10.7.1.1' });
    const lockout = await lockOut(app.url, victim.username, '10.7.1.2');
    const stateBefore = await infoField(state, 'used_memory');

    const started = stopwatch();
    const pushed = await flood(app.url, cacheRedis.operator, 10 * CACHE_MAXMEMORY);
    const floodSeconds = started.seconds();

    const alive = await Promise.all(
      users.map(async (u) => (await call(app.url, '/auth/me', { token: u.token })).status),
    );
    const victimLogin = await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: victim.username, password: PASSWORD },
      headers: { 'x-forwarded-for': '10.7.1.2' },
    });
    const fresh = await signUp(app.url, 'cache', { forwardedFor: '10.7.2.1' });
    const stateAfter = await infoField(state, 'used_memory');
    const evicted = await infoField(cacheRedis.operator, 'evicted_keys');
    const cacheUsed = await infoField(cacheRedis.operator, 'used_memory');

    console.log(
      `      flood: ${pushed.requests} reads (${pushed.lists} list pages, ${pushed.unknown} unknown ids) in ${floodSeconds.toFixed(1)} s, ` +
        `${mb(pushed.bytesIn)} into the cache Redis (maxmemory ${mb(CACHE_MAXMEMORY)}, used ${mb(cacheUsed)}, ${evicted} keys evicted); ` +
        `statuses ${JSON.stringify(pushed.statuses)}`,
    );
    console.log(
      `      after it: sessions valid ${alive.filter((s) => s === 200).length}/${USERS}; locked-out name with the right password ${victimLogin.status} ` +
        `(locked at attempt ${lockout.attempts}, Retry-After ${lockout.retryAfter} s); fresh sign-in ${fresh.token ? 'ok' : 'failed'}; ` +
        `state Redis used_memory ${mb(stateBefore)} -> ${mb(stateAfter)}`,
    );
    expect(pushed.bytesIn, 'bytes pushed into the cache Redis').to.be.at.least(
      10 * CACHE_MAXMEMORY,
    );
    expect(evicted, 'the cache Redis did evict').to.be.greaterThan(0);
    expect(Object.keys(pushed.statuses), 'flood statuses').to.have.members(['200', '404']);
    expect(alive).to.deep.equal(users.map(() => 200));
    // The lock must not have simply run out during the flood.
    expect(floodSeconds, 'flood shorter than the lockout').to.be.below(lockout.retryAfter);
    expect(victimLogin.status, JSON.stringify(victimLogin.body)).to.equal(429);
    expect(stateAfter - stateBefore).to.be.below(STATE_GROWTH_BOUND);
  });
});

/** Wrong passwords for `username` from `ip` until the 429. */
async function lockOut(base: string, username: string, ip: string) {
  for (let attempts = 1; attempts <= 200; attempts += 1) {
    const reply = await call(base, '/auth/login', {
      method: 'POST',
      json: { username, password: 'not the password at all' },
      headers: { 'x-forwarded-for': ip },
    });
    if (reply.status === 429) {
      return { attempts, retryAfter: Number(reply.headers.get('retry-after')) };
    }
    expect(reply.status).to.equal(401);
  }
  throw new Error(`${username} was never locked out`);
}

/**
 * Eight anonymous clients reading distinct full list pages (100 projects each) and
 * unknown ids until `bytes` more have gone into the cache Redis (its INFO
 * total_net_input_bytes).
 */
async function flood(base: string, cache: Redis, bytes: number) {
  const statuses: Record<string, number> = {};
  const counts = { requests: 0, lists: 0, unknown: 0 };
  const from = await infoField(cache, 'total_net_input_bytes');
  let bytesIn = 0;
  let n = 0;
  const flooding = stopwatch();
  const going = () => bytesIn < bytes && flooding.ms() < 240000;
  // Eight clients: one address may have only a few list pages in progress on a replica.
  const worker = async (_: unknown, w: number) => {
    const headers = { 'x-forwarded-for': `10.7.2.${w + 1}` };
    while (going()) {
      n += 1;
      const list = n % 4 !== 0;
      const path = list
        ? `/projects?limit=100&minBudget=0.${String(n).padStart(6, '0')}`
        : `/projects/${randomBytes(12).toString('hex')}`;
      const reply = await call(base, path, { headers });
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      counts.requests += 1;
      counts[list ? 'lists' : 'unknown'] += 1;
    }
  };
  const meter = async () => {
    while (going()) {
      bytesIn = (await infoField(cache, 'total_net_input_bytes')) - from;
      await sleep(200);
    }
  };
  await Promise.all([...Array.from({ length: 8 }, worker), meter()]);
  return { ...counts, statuses, bytesIn };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
