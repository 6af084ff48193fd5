// `make bench`: the six servers of issue 3 (plus one diagnostic variant of (4)) side by side, same load generator (wrk, one
// thread, pinned to its own CPU), same connections, warm-up first, then rounds that
// alternate the servers so drift (thermal, noisy neighbours) hits them all alike.
// Started by stack/bench.sh, which owns Redis and FerretDB and cleans up.
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { halfRateLatency, rssOverRequests } from './extra.js';
import { memory, stop } from './processes.js';
import { writeReport, type Row } from './report.js';
import { baseline, groundwork, nginx, seedProject, type BenchEnv, type Server } from './servers.js';
import { wrk, type WrkResult } from './wrk.js';

const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  warmupSeconds: 3,
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  rssRequests: Number(process.env.BENCH_RSS_REQUESTS ?? 1_000_000),
};

async function main(): Promise<void> {
  const env: BenchEnv = {
    root: required('BENCH_ROOT'),
    dir: required('BENCH_DIR'),
    redisUrl: required('REDIS_URL'),
    mongoUrl: required('MONGO_URL'),
    serverCpu: process.env.BENCH_SERVER_CPU ?? '0',
    sideCpu: process.env.BENCH_SIDE_CPU ?? '1',
  };
  const servers = await startAll(env);
  try {
    await check(servers);
    const load = (url: string, seconds: number) =>
      wrk({ url, seconds, connections: settings.connections, cpus: env.sideCpu });
    for (const s of servers) await load(s.url, settings.warmupSeconds);
    const runs = new Map<string, WrkResult[]>(servers.map((s) => [s.key, []]));
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const s of rotate(servers, round)) {
        const result = await load(s.url, settings.seconds);
        runs.get(s.key)?.push(result);
        log(`round ${round + 1} ${s.key}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms} ms`);
      }
    }
    const rows = servers.map((s) => row(s, runs.get(s.key) ?? []));
    const cached = servers.find((s) => s.key === 'groundwork');
    if (!cached) throw new Error('no groundwork server');
    const peak = rows.find((r) => r.key === 'groundwork')?.rps ?? 0;
    const half = await halfRateLatency(cached.url, peak / 2, settings.connections);
    // The same fixed rate against (1): what the generator and this host add on their own.
    const bareUrl = servers.find((s) => s.key === 'bare')?.url ?? cached.url;
    const floor = await halfRateLatency(bareUrl, peak / 2, settings.connections);
    const rss = await rssOverRequests(cached, settings.rssRequests, load);
    writeFileSync(
      join(env.dir, 'results.json'),
      JSON.stringify({ settings, rows, half, floor, rss }, null, 2),
    );
    await writeReport(env.dir, { settings, rows, half, floor, rss });
  } finally {
    for (const s of servers) {
      if (s.extra) await stop(s.extra);
      await stop(s.node);
    }
  }
}

async function startAll(env: BenchEnv): Promise<Server[]> {
  const cached = await groundwork(env, {});
  const direct = await groundwork(env, { CACHE_ENABLED: 'false' });
  const behind = await groundwork(env, { TRUST_PROXY: 'true' });
  // Not one of the six: (4) without its per-request log line, to show what that costs.
  const quiet = await groundwork(env, { LOG_LEVEL: 'warn' });
  const id = await seedProject(cached.url);
  const path = `/projects/${id}`;
  const body = Buffer.from(await (await fetch(cached.url + path)).arrayBuffer());
  const bodyFile = join(env.dir, 'body.json');
  writeFileSync(bodyFile, body);
  const redis = new Redis(env.redisUrl);
  await redis.set('bench:project', body);
  redis.disconnect();
  const bare = await baseline(env, 'bare-http', { BODY_FILE: bodyFile });
  const bareRedis = await baseline(env, 'bare-redis', { REDIS_URL: env.redisUrl });
  const koa = await baseline(env, 'koa-minimal', { BODY_FILE: bodyFile });
  const edge = await nginx(env, behind.port);
  return [
    {
      key: 'bare',
      label: '(1) node:http, bytes from memory',
      url: bare.url + path,
      node: bare.child,
    },
    {
      key: 'bare-redis',
      label: '(2) node:http + 1 ioredis GET',
      url: bareRedis.url + path,
      node: bareRedis.child,
    },
    { key: 'koa', label: '(3) Koa + @koa/router, memory', url: koa.url + path, node: koa.child },
    {
      key: 'groundwork',
      label: '(4) groundwork, cached (L1 hit)',
      url: cached.url + path,
      node: cached.child,
    },
    {
      key: 'no-request-log',
      label: "(4') as (4), no request log",
      url: quiet.url + path,
      node: quiet.child,
    },
    {
      key: 'no-cache',
      label: '(5) groundwork, cache off',
      url: direct.url + path,
      node: direct.child,
    },
    {
      key: 'nginx',
      label: '(6) groundwork via nginx',
      url: edge.url + path,
      node: behind.child,
      extra: edge.child,
    },
  ];
}

/** Every server must answer the same bytes before any is timed. */
async function check(servers: Server[]): Promise<void> {
  const bodies = await Promise.all(
    servers.map(async (s) => {
      const response = await fetch(s.url);
      if (response.status !== 200) throw new Error(`${s.key}: status ${response.status}`);
      return (await response.text()).length;
    }),
  );
  if (new Set(bodies).size !== 1)
    throw new Error(`servers answer different bodies: ${bodies.join(', ')}`);
  log(`all ${servers.length} answer the same ${bodies[0]}-byte body`);
}

function row(server: Server, results: WrkResult[]): Row {
  return {
    key: server.key,
    label: server.label,
    rps: median(results.map((r) => r.rps)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    peakRssMb: memory(server.node.pid).peakMb,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

function rotate<T>(items: T[], by: number): T[] {
  return [...items.slice(by % items.length), ...items.slice(0, by % items.length)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (stack/bench.sh sets it)`);
  return value;
}

export function log(message: string): void {
  process.stdout.write(`bench: ${message}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
