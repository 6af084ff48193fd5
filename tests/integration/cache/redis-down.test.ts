import { expect } from 'chai';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PublicUser } from '../../../app/auth/types.js';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { testServers } from '../../support/root-hooks.js';
import {
  createProject,
  expectFresh,
  loadLoop,
  startReplicas,
  stopReplicas,
  type Sample,
  type Stale,
} from './support.js';
import { percentile, stopwatch } from '../../support/latency.js';
import { signUp } from '../../support/sign-up.js';

// CACHE_REDIS_TIMEOUT_MS (100) plus a generous margin for a MongoDB read on a loaded,
// shared test machine: no request may wait anywhere near a Redis outage.
const SLOWEST_MS = 100 + 650;
// Writes made while Redis is away reach other replicas through the MongoDB epoch. A
// replica stops trusting L1 once its pub/sub heartbeat is 2 × 50 ms late, and then polls
// the epoch every 100 ms: by the time a write's 100 ms Redis timeout has passed, the
// others have mostly stopped trusting L1 (0 stale reads measured). The bound is the
// one this test held before the heartbeat, when every replica polled every 100 ms.
const STALE_BOUND_MS = 250;
const ADMIN: PublicUser = { id: 'test-admin', username: 'admin', role: 'admin' };

interface Ack {
  id: string;
  version: number;
  home: number;
  at: number;
}

describe('cache: Redis failures', function () {
  this.timeout(60000);
  let apps: TestApp[] = [];
  let ids: string[] = [];

  before(async () => {
    apps = await startReplicas(3);
  });
  after(async () => {
    if (!testServers().redis.running) await testServers().redis.start();
    await stopReplicas(apps);
  });
  beforeEach(async () => {
    await resetData(apps[0]!.deps);
    const token = (await signUp(apps[0]!.url, 'cache', { forwardedFor: '10.5.0.1' })).token;
    ids = [];
    for (let i = 0; i < 6; i += 1) ids.push(await createProject(apps[0]!.url, token, '10.5.0.1'));
    for (const app of apps) for (const id of ids) await call(app.url, `/projects/${id}`);
  });
  afterEach(async () => {
    if (!testServers().redis.running) await testServers().redis.start();
  });

  it('when Redis is stopped under load and started again, then no 5xx, no slow request, no stale read, and HITs return', async () => {
    const run = underLoad(apps, ids);
    await sleep(400);
    await testServers().redis.stop();
    await run.writeFor(1500);
    await testServers().redis.start();
    await run.writeFor(1500);
    await sleep(1500);
    const { samples, acks } = await run.stop();

    check(samples, acks, 'stopped');
    const tail = samples.filter((s) => s.startedAt > performance.now() - 700);
    for (const app of [0, 1, 2]) {
      expect(
        tail.some((s) => s.app === app && s.cache === 'HIT'),
        `HITs again on replica ${app}`,
      ).to.equal(true);
    }
  });

  it('when Redis stalls with its data kept, then a write made meanwhile is not undone when it answers again', async () => {
    const admin = new Redis(testServers().redisUrl, { lazyConnect: true });
    await admin.connect();
    const run = underLoad(apps, ids);
    try {
      await sleep(400);
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      await run.writeFor(1300);
      await sleep(2500);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
    const { samples, acks } = await run.stop();
    check(samples, acks, 'stalled');
  });
});

/** Readers on every replica, and in-process writes (sessions need Redis, so HTTP ones would 503). */
function underLoad(apps: TestApp[], ids: string[]) {
  const load = loadLoop(apps, 6, () => `/projects/${ids[Math.floor(Math.random() * ids.length)]!}`);
  const acks: Ack[] = [];
  return {
    async writeFor(ms: number) {
      const writing = stopwatch();
      for (let n = 0; writing.ms() < ms; n += 1) {
        const home = n % apps.length;
        const id = ids[n % ids.length]!;
        const project = await apps[home]!.deps.projects.update(id, { name: `write ${n}` }, ADMIN);
        acks.push({ id, version: project.version, home, at: performance.now() });
        await sleep(60);
      }
    },
    async stop() {
      return { samples: await load.stop(), acks };
    },
  };
}

function check(samples: Sample[], acks: Ack[], what: string): void {
  const stale = samples.flatMap((s): Stale[] => {
    const missed = acks.find(
      (a) => a.id === s.body.id && a.version > s.body.version && a.at < s.startedAt,
    );
    return missed
      ? [{ app: s.app, home: missed.home === s.app, ageMs: s.startedAt - missed.at }]
      : [];
  });
  const ms = samples.map((s) => s.ms);
  const statuses = [...new Set(samples.map((s) => s.status))];
  console.log(
    `      Redis ${what}: ${samples.length} reads, ${acks.length} writes; statuses ${statuses.join(',')}; ` +
      `ms p50 ${percentile(ms, 50).toFixed(1)} p99 ${percentile(ms, 99).toFixed(1)} max ${Math.max(...ms).toFixed(1)}; ` +
      `stale ${stale.length} (ages ${stale.map((s) => s.ageMs.toFixed(0)).join(',') || '-'})`,
  );
  expect(
    samples.filter((s) => s.status >= 500),
    '5xx replies',
  ).to.deep.equal([]);
  expect(Math.max(...ms)).to.be.at.most(SLOWEST_MS);
  expectFresh(stale, STALE_BOUND_MS);
}
