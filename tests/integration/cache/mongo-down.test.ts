import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { testServers } from '../../support/root-hooks.js';
import {
  createProject,
  percentile,
  signUpFrom,
  startReplicas,
  stopReplicas,
  loadLoop,
} from './support.js';

const IP = '10.6.0.1';
// Short TTLs so that cached entries are past them when MongoDB goes away: what is
// served then is served from the grace period, and says so.
const OVERRIDES = {
  CACHE_L1_TTL_MS: '200',
  CACHE_L2_TTL_MS: '300',
  CACHE_L2_JITTER_MS: '0',
  CACHE_GRACE_MS: '60000',
};

describe('cache: MongoDB failures', function () {
  this.timeout(60000);
  let apps: TestApp[] = [];

  before(async () => {
    apps = await startReplicas(3, OVERRIDES);
    await resetData(apps[0]!.deps);
  });
  after(async () => {
    await testServers().ferretdb?.start();
    await stopReplicas(apps);
  });

  it('when MongoDB is down, then cached keys are served STALE, others get a fast 503, writes 503, and all works again once it is back', async function () {
    const ferretdb = testServers().ferretdb;
    if (!ferretdb) this.skip();
    const token = await signUpFrom(apps[0]!.url, IP);
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) ids.push(await createProject(apps[i % 3]!.url, token, IP));
    const acked = new Map<string, number>();
    for (const id of ids) acked.set(id, (await patch(apps[0]!, token, id)).body.version);
    const [cached, uncached] = [ids.slice(0, 4), ids.slice(4)];
    const cachedPaths = [
      ...cached.map((id) => `/projects/${id}`),
      '/projects?limit=50',
      '/projects/stats',
    ];
    for (const app of apps) for (const path of cachedPaths) await call(app.url, path);
    await sleep(400);

    await ferretdb.stop();
    try {
      const during = await duringOutage(
        apps,
        cachedPaths,
        uncached.map((id) => `/projects/${id}`),
      );
      const write = await patch(apps[1]!, token, cached[0]!);
      expectProblem(write, 503);

      expect(during.served.map((s) => s.status)).to.satisfy((all: number[]) =>
        all.every((s) => s === 200),
      );
      expect(during.served.some((s) => s.cache === 'STALE')).to.equal(true);
      for (const s of during.served.filter(
        (x) => x.path.startsWith('/projects/') && x.path.length > 20,
      )) {
        expect(s.body.version, `${s.path} ${s.cache} ${JSON.stringify(s.body)}`).to.equal(
          acked.get(s.body.id),
        );
      }
      expect(during.refused.every((s) => s.status === 503)).to.equal(true);
      // "Fast" means the gate answered, not the driver's MONGO_TIMEOUT_MS (2 s) server
      // selection: a quarter of that is a bound a loaded 2-core machine keeps (6 ms seen).
      expect(
        percentile(
          during.refused.map((s) => s.ms),
          50,
        ),
      ).to.be.below(500);
    } finally {
      await ferretdb.start();
    }

    // Each replica finds MongoDB again by itself, at its next trial read.
    for (const app of apps) {
      await eventually(
        async () => (await call(app.url, `/projects/${uncached[0]!}`)).status === 200,
      );
    }
    const after = await patch(apps[1]!, token, cached[0]!);
    expect(after.status, JSON.stringify(after.body)).to.equal(200);
    acked.set(cached[0]!, after.body.version);
    for (const app of apps) {
      for (const id of ids) {
        const read = await call(app.url, `/projects/${id}`);
        expect(read.body.version, JSON.stringify(read.body)).to.equal(acked.get(id));
      }
    }
  });
});

/** Concurrent readers of cached and of uncached keys on every replica, for a while. */
async function duringOutage(apps: TestApp[], cachedPaths: string[], uncachedPaths: string[]) {
  const cachedLoad = loadLoop(apps, 3, () => pick(cachedPaths));
  const uncachedLoad = loadLoop(apps, 3, () => pick(uncachedPaths));
  await sleep(2500);
  const [served, refused] = await Promise.all([cachedLoad.stop(), uncachedLoad.stop()]);
  const ms = refused.map((s) => s.ms);
  console.log(
    `      MongoDB down: ${served.length} cached reads (X-Cache ${[...new Set(served.map((s) => s.cache))].join('/')}), ` +
      `${refused.length} uncached: 503 in ms p50 ${percentile(ms, 50).toFixed(1)} p90 ${percentile(ms, 90).toFixed(1)} max ${Math.max(...ms).toFixed(0)}`,
  );
  return { served, refused };
}

function pick(paths: string[]): string {
  return paths[Math.floor(Math.random() * paths.length)]!;
}

function patch(app: TestApp, token: string, id: string) {
  return call(app.url, `/projects/${id}`, {
    method: 'PATCH',
    token,
    json: { name: `renamed ${Date.now()}` },
    headers: { 'x-forwarded-for': IP },
  });
}

async function eventually(check: () => Promise<boolean>, ms = 20000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`not recovered within ${ms} ms`);
    await sleep(200);
  }
}
