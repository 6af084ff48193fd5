// `make bench`: the servers of issues 3 and 9 side by side, same load generator (wrk, one
// thread, pinned to its own CPU), same connections, warm-up first, then rounds that
// alternate the servers so drift (thermal, noisy neighbours) hits them all alike.
// Started by stack/bench.sh, which owns Redis and FerretDB and cleans up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupBench } from './backup.js';
import { halfRateLatency, rssOverRequests } from './extra.js';
import { startAll } from './lineup.js';
import { cpuSeconds, memory, stop } from './processes.js';
import { profileCached } from './profile.js';
import { writeReport, type Row } from './report.js';
import type { BenchEnv, Server } from './servers.js';
import { h2load, wrk, type WrkResult } from './wrk.js';
import { get } from 'node:https';

const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  warmupSeconds: 3,
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  rssRequests: Number(process.env.BENCH_RSS_REQUESTS ?? 1_000_000),
};

type Run = WrkResult & { cpuUs: number };

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
    const loadWith = (s: Server, seconds: number) => {
      const options = { url: s.url, seconds, connections: settings.connections, cpus: env.sideCpu };
      return s.tool === undefined ? wrk(options) : h2load(options, s.tool === 'h2load-h1');
    };
    // CPU time of the server process per request: steadier than req/s on a shared host.
    const timed = async (s: Server, seconds: number): Promise<Run> => {
      const before = cpuSeconds(s.node.pid);
      const result = await loadWith(s, seconds);
      return { ...result, cpuUs: ((cpuSeconds(s.node.pid) - before) * 1e6) / result.requests };
    };
    for (const s of servers) await loadWith(s, settings.warmupSeconds);
    const runs = new Map<string, Run[]>(servers.map((s) => [s.key, []]));
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const s of rotate(servers, round)) {
        const result = await timed(s, settings.seconds);
        runs.get(s.key)?.push(result);
        log(
          `round ${round + 1} ${s.key}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms} ms, ${result.cpuUs.toFixed(1)} us CPU/req`,
        );
      }
    }
    const rows = servers.map((s) => row(s, runs.get(s.key) ?? []));
    const cached = byKey(servers, 'groundwork');
    const peak = rows.find((r) => r.key === 'groundwork')?.rps ?? 0;
    const half = await halfRateLatency(cached.url, peak / 2, settings.connections);
    // The same fixed rate against (1): what the generator and this host add on their own.
    const floor = await halfRateLatency(byKey(servers, 'bare').url, peak / 2, settings.connections);
    const rss = await rssOverRequests(cached, settings.rssRequests, load);
    const path = new URL(cached.url).pathname;
    const profile = await profileCached(env, path, 10, load);
    const backup = await backupBench(env.mongoUrl);
    const report = { settings, rows, half, floor, rss, profile, backup };
    writeFileSync(
      join(env.dir, 'results.json'),
      JSON.stringify({ ...report, runs: Object.fromEntries(runs) }, null, 2),
    );
    await writeReport(env.dir, report);
  } finally {
    for (const s of servers) {
      if (s.extra) await stop(s.extra);
      await stop(s.node);
    }
  }
}

/** Every server of a group must answer the same bytes before any is timed. */
async function check(servers: Server[]): Promise<void> {
  for (const group of new Set(servers.map((s) => s.group))) {
    const members = servers.filter((s) => s.group === group);
    const bodies = await Promise.all(
      members.map(async (s) => {
        const { status, text } = await body(s.url);
        if (status !== 200) throw new Error(`${s.key}: status ${status}`);
        return text;
      }),
    );
    if (new Set(bodies).size !== 1)
      throw new Error(
        `${group}: servers answer different bodies (${members.map((s) => s.key).join(', ')})`,
      );
    log(`${members.length} servers answer the same ${bodies[0]?.length}-byte body for ${group}`);
  }
}

/** GET `url`; over HTTPS the bench's own throwaway certificate is accepted. */
async function body(url: string): Promise<{ status: number; text: string }> {
  if (!url.startsWith('https:')) {
    const response = await fetch(url);
    return { status: response.status, text: await response.text() };
  }
  return new Promise((resolve, reject) => {
    get(url, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text });
      });
    }).on('error', reject);
  });
}

function row(server: Server, results: Run[]): Row {
  return {
    key: server.key,
    label: server.label,
    rps: median(results.map((r) => r.rps)),
    rounds: results.map((r) => r.rps),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    cpuUs: median(results.map((r) => r.cpuUs)),
    peakRssMb: memory(server.node.pid).peakMb,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

function byKey(servers: Server[], key: string): Server {
  const found = servers.find((s) => s.key === key);
  if (!found) throw new Error(`no server ${key}`);
  return found;
}

function rotate<T>(items: T[], by: number): T[] {
  return [...items.slice(by % items.length), ...items.slice(0, by % items.length)];
}

export function median(values: number[]): number {
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
