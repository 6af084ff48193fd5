import { expect } from 'chai';
import type { PublicUser } from '../../../app/auth/types.js';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { infoField } from '../../support/servers.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ferretFinds,
  seedProjects,
  startCacheRedis,
  startReplicas,
  stopReplicas,
  type CacheRedis,
} from './support.js';

const ADMIN: PublicUser = { id: 'test-admin', username: 'admin', role: 'admin' };
const SCAN_QUERIES = 200;
// Generous: the hot set is read hundreds of times while the scan runs; a few misses
// are its first reads after a cold start and a loaded machine's Redis timeouts.
const HOT_HIT_RATIO = 0.9;

interface Run {
  hits: number;
  reads: number;
  evicted: number;
  usedMb: number;
}

/**
 * L1 off (CACHE_L1_TTL_MS 0), so every read asks the cache Redis: the hit ratio is
 * L2's. A hot set (20 projects, 5 list pages) is read over and over while a scan of
 * one-off list queries (full pages, ~45 kB each, twice the cache's memory in all)
 * runs, once with list-page admission and once without.
 */
describe('cache admission: keys a client can mint without end', function () {
  this.timeout(300000);
  let cacheRedis: CacheRedis;
  let ids: string[] = [];

  before(async () => {
    cacheRedis = await startCacheRedis('4mb');
  });
  after(async () => {
    await cacheRedis.stop();
  });

  async function measure(admitWindowMs: string): Promise<Run> {
    await cacheRedis.operator.flushall();
    await cacheRedis.operator.config('RESETSTAT');
    const [app] = await startReplicas(1, {
      CACHE_REDIS_URL: cacheRedis.url,
      CACHE_L1_TTL_MS: '0',
      CACHE_ADMIT_WINDOW_MS: admitWindowMs,
    });
    try {
      if (ids.length === 0) {
        await resetData(app!.deps);
        ids = await seedProjects(app!.deps.projects, ADMIN, 100);
      }
      return await hotSetDuringScan(app!, ids.slice(0, 20));
    } finally {
      await stopReplicas([app!]);
    }
  }

  async function hotSetDuringScan(app: TestApp, hotIds: string[]): Promise<Run> {
    const hot = [
      ...hotIds.map((id) => `/projects/${id}`),
      ...['-createdAt', 'budget', '-budget', 'name', 'createdAt'].map(
        (sort) => `/projects?limit=100&sort=${sort}`,
      ),
    ];
    // Twice each: a list page is admitted on its second miss.
    for (const path of [...hot, ...hot]) await call(app.url, path);
    let scanning = true;
    let n = 0;
    // Each scanner and reader a client address of its own: one address may have only a
    // few list pages in progress on a replica.
    const scan = async (client: string) => {
      const headers = { 'x-forwarded-for': client };
      while (n < SCAN_QUERIES) {
        n += 1;
        const path = `/projects?limit=100&minBudget=0.${String(n).padStart(6, '0')}`;
        await call(app.url, path, { headers });
      }
    };
    const counts = { hits: 0, reads: 0 };
    const reader = async (client: string) => {
      const headers = { 'x-forwarded-for': client };
      for (let i = 0; scanning; i += 1) {
        const reply = await call(app.url, hot[i % hot.length]!, { headers });
        counts.reads += 1;
        if (reply.headers.get('x-cache') === 'HIT') counts.hits += 1;
      }
    };
    const readers = [reader('10.6.0.1'), reader('10.6.0.2')];
    await Promise.all(['10.6.1.1', '10.6.1.2', '10.6.1.3', '10.6.1.4'].map(scan));
    scanning = false;
    await Promise.all(readers);
    const evicted = await infoField(cacheRedis.operator, 'evicted_keys');
    const usedMb = (await infoField(cacheRedis.operator, 'used_memory')) / 1024 / 1024;
    return { ...counts, evicted, usedMb };
  }

  it('when one-off list queries scan through a small cache Redis, then the hot set stays in it and the scan evicts nothing', async () => {
    const admitted = await measure('60000');
    const everything = await measure('0');
    for (const [name, run] of [
      ['second-miss admission', admitted],
      ['no admission (window 0)', everything],
    ] as const) {
      console.log(
        `      ${name}: hot-set hit ratio ${(run.hits / run.reads).toFixed(3)} (${run.hits}/${run.reads}) ` +
          `during ${SCAN_QUERIES} one-off list pages; cache Redis ${run.usedMb.toFixed(1)} MB used, ${run.evicted} keys evicted`,
      );
    }
    expect(admitted.hits / admitted.reads).to.be.at.least(HOT_HIT_RATIO);
    expect(admitted.evicted, 'keys the scan evicted with admission').to.equal(0);
    expect(everything.evicted, 'keys the scan evicted without admission').to.be.greaterThan(0);
  });

  it('when an unknown id is asked for again, then the 404 comes from the cache Redis, and nothing of it is left once its short TTL is over', async () => {
    const [app] = await startReplicas(1, {
      CACHE_REDIS_URL: cacheRedis.url,
      CACHE_L1_TTL_MS: '0',
      CACHE_NEGATIVE_TTL_MS: '1000',
      // No epoch polls: their finds would blur the count.
      CACHE_EPOCH_POLL_MS: '0',
    });
    try {
      const unknown = 'f'.repeat(24);
      expect((await call(app!.url, `/projects/${unknown}`)).status).to.equal(404);
      const before = await ferretFinds();
      expect((await call(app!.url, `/projects/${unknown}`)).status).to.equal(404);
      expect((await ferretFinds()) - before, 'MongoDB finds for the second 404').to.equal(0);
      const keys = await cacheRedis.operator.keys(`*${unknown}*`);
      const ttls = await Promise.all(keys.map((key) => cacheRedis.operator.pttl(key)));
      console.log(`      negative entry: keys ${keys.length}, PTTL ms ${ttls.join(',')}`);
      expect(keys).to.not.be.empty;
      for (const ttl of ttls) expect(ttl).to.be.within(1, 1000);
      await sleep(1200);
      expect(await cacheRedis.operator.keys(`*${unknown}*`)).to.deep.equal([]);
    } finally {
      await stopReplicas([app!]);
    }
  });
});
