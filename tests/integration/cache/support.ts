import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { PublicUser } from '../../../app/auth/types.js';
import type { ProjectsService } from '../../../app/projects/service.js';
import { startTestApp, useTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { timed } from '../../support/latency.js';
import { testServers } from '../../support/root-hooks.js';
import { startRedisAs, type RoleRedis } from '../../support/servers.js';

/**
 * Several real app instances sharing the test Redis and FerretDB, the way replicas
 * share them in the stack. TRUST_PROXY lets each simulated client send its own
 * X-Forwarded-For, so the per-IP write and registration limits apply per client
 * instead of to the whole test process.
 */
export async function startReplicas(n: number, overrides: Record<string, string> = {}) {
  const apps: TestApp[] = [];
  for (let i = 0; i < n; i += 1)
    apps.push(await startTestApp({ TRUST_PROXY: 'true', ...overrides }));
  return apps;
}

/** startReplicas for the enclosing describe block: started before its tests, stopped after. */
export function useReplicas(n: number, overrides: Record<string, string> = {}): TestApp[] {
  return Array.from({ length: n }, () => useTestApp({ TRUST_PROXY: 'true', ...overrides }));
}

export async function stopReplicas(apps: TestApp[]): Promise<void> {
  await Promise.all(apps.map((app) => app.stop()));
}

export interface CacheRedis extends RoleRedis {
  /** As the operator, to look inside (INFO, KEYS, FLUSHALL); stop() disconnects it. */
  operator: Redis;
}

/** A cache Redis as the stack runs it (allkeys-lru, no AOF), scaled down to `maxmemory`. */
export async function startCacheRedis(maxmemory: string): Promise<CacheRedis> {
  const redis = await startRedisAs({ maxmemory, policy: 'allkeys-lru', appendonly: 'no' });
  const operator = new Redis(redis.operatorUrl);
  return {
    ...redis,
    operator,
    async stop() {
      operator.disconnect();
      await redis.stop();
    },
  };
}

export async function createProject(
  base: string,
  token: string,
  ip: string,
  name = 'cached',
): Promise<string> {
  const created = await call(base, '/projects', {
    method: 'POST',
    token,
    json: { name, budget: 1, status: 'planning' },
    headers: { 'x-forwarded-for': ip },
  });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  return created.body.id as string;
}

/** MongoDB `find` commands FerretDB has served so far, from its Prometheus endpoint. */
export function ferretFinds(): Promise<number> {
  return ferretRequests((line) => line.includes('command="find"'));
}

/** Commands FerretDB has served so far whose counter line `pick` selects (all by default). */
export async function ferretRequests(pick: (line: string) => boolean = () => true) {
  const url = testServers().ferretdbMetricsUrl;
  if (url === undefined)
    throw new Error('FerretDB metrics are only there when the tests run FerretDB');
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('ferretdb_client_requests_total{') && pick(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

export interface Sample {
  app: number;
  path: string;
  startedAt: number;
  ms: number;
  status: number;
  cache: string | null;
  body: any;
}

/** One timed GET: when it started (test-process clock) and what it saw. */
export async function timedGet(
  apps: TestApp[],
  app: number,
  path: string,
  client?: string,
): Promise<Sample> {
  const startedAt = performance.now();
  const headers = client === undefined ? {} : { 'x-forwarded-for': client };
  const { value: reply, ms } = await timed(() => call(apps[app]!.url, path, { headers }));
  return {
    app,
    path,
    startedAt,
    ms,
    status: reply.status,
    cache: reply.headers.get('x-cache'),
    body: reply.body,
  };
}

/**
 * `workers` loops GETting `pick()`'s path from every replica in turn until stop(), each
 * a client address of its own (a replica lets one address have only a few list pages
 * in progress).
 */
export function loadLoop(apps: TestApp[], workers: number, pick: () => string) {
  const samples: Sample[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i += 1)
      samples.push(await timedGet(apps, (w + i) % apps.length, pick(), `10.8.0.${w + 1}`));
  });
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** A read that saw a project older than a write acknowledged before the read began. */
export interface Stale {
  app: number;
  /** Read on the replica that took the write. */
  home: boolean;
  ageMs: number;
}

/** No stale read on the replica that took the write, and none older than `boundMs` elsewhere. */
export function expectFresh(stale: Stale[], boundMs: number): void {
  const home = stale.filter((s) => s.home);
  expect(home, 'stale reads on the writing replica').to.deep.equal([]);
  const old = stale.filter((s) => s.ageMs > boundMs);
  expect(old, `stale reads older than ${boundMs} ms`).to.deep.equal([]);
}

/**
 * `count` projects created in-process (no HTTP write limits), each with the longest
 * name and location allowed: a page of 100 is some 60 kB, the largest there is.
 */
export async function seedProjects(projects: ProjectsService, admin: PublicUser, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const project = await projects.create(
      {
        name: `seeded project ${i} `.padEnd(200, 'n'),
        budget: 1000 + i,
        status: 'planning',
        location: `site ${i} `.padEnd(200, 'l'),
      },
      admin,
    );
    ids.push(project.id);
  }
  return ids;
}
