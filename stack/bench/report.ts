import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BackupBench } from './backup.js';
import type { HalfRate, RssSample } from './extra.js';

export interface Row {
  key: string;
  label: string;
  /** Median of the rounds, and every round in the order they ran. */
  rps: number;
  rounds: number[];
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the server process per request, median of the rounds. */
  cpuUs: number;
  peakRssMb: number;
  errors: number;
}

interface Report {
  settings: { seconds: number; rounds: number; connections: number };
  rows: Row[];
  half: HalfRate;
  /** The same fixed-rate run against (1), the bare server. */
  floor: HalfRate;
  rss: RssSample[];
  /** Share of CPU time per category in the profile of (4). */
  profile: [string, number][];
  backup: BackupBench;
}

/** Prints the markdown table and writes it, with the SVG chart, beside results.json. */
export async function writeReport(dir: string, report: Report): Promise<void> {
  const markdown = [...table(report), '', ...targets(report)].join('\n');
  writeFileSync(join(dir, 'results.md'), markdown + '\n');
  writeFileSync(
    join(dir, 'chart.svg'),
    await chart(report.rows.filter((r) => !r.key.includes('-'))),
  );
  process.stdout.write(
    `\n${markdown}\n\nwritten: ${join(dir, 'results.md')}, ${join(dir, 'chart.svg')}\n`,
  );
}

/** h2load reports no percentiles (stack/bench/wrk.ts): its rows show a dash. */
function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '–';
}

function table({ rows, settings }: Report): string[] {
  const cached = byKey(rows, 'groundwork');
  return [
    `wrk, 1 thread, ${settings.connections} connections, ${settings.seconds} s × ${settings.rounds} alternating rounds ` +
      `(median shown, every round's req/s beside it); each server pinned to one CPU, wrk and Redis/FerretDB/nginx on ` +
      `the other. CPU µs/req is the server process's own CPU time per request, steadier than req/s on a shared host.`,
    '',
    '| server | req/s | rounds | p50 ms | p99 ms | CPU µs/req | peak RSS MB | (4) ÷ this | errors |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.rps.toFixed(0)} | ${r.rounds.map((v) => v.toFixed(0)).join(' ')} | ${ms(r.p50Ms)} | ` +
        `${ms(r.p99Ms)} | ${r.cpuUs.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${(cached.rps / r.rps).toFixed(2)}× | ${r.errors} |`,
    ),
  ];
}

/** "a ÷ b": the median of the per-round ratios, their spread, and the CPU ratio. */
function ratio(rows: Row[], a: string, b: string): { median: number; text: string } {
  const x = byKey(rows, a);
  const y = byKey(rows, b);
  const perRound = x.rounds.map((v, i) => v / (y.rounds[i] ?? NaN)).sort((p, q) => p - q);
  const median = perRound[Math.floor(perRound.length / 2)] ?? NaN;
  const spread = `${perRound[0]?.toFixed(2)}–${perRound.at(-1)?.toFixed(2)}`;
  const cpu = (y.cpuUs / x.cpuUs).toFixed(2);
  return { median, text: `${median.toFixed(2)}× (rounds ${spread}; by CPU per request ${cpu}×)` };
}

function targets({ rows, half, floor, rss, profile, backup }: Report): string[] {
  const last = rss.at(-1);
  const mid = rss[Math.floor(rss.length / 2)];
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const framework = (a: string, b: string, what: string): [string, string, boolean | 'noisy'] => {
    const r = ratio(rows, a, b);
    return [
      `${what} ≥ 0.8 × ${b === 'koa' ? '(3)' : b === 'koa-list' ? '(3L)' : '(3S)'}`,
      r.text,
      r.median >= 0.8 || (r.median >= 0.7 ? 'noisy' : false),
    ];
  };
  const lines: [string, string, boolean | 'noisy'][] = [
    framework('groundwork', 'koa', '(4) cached GET, request log on,'),
    framework('groundwork-list', 'koa-list', '(4L) cached list page'),
    framework('groundwork-stats', 'koa-stats', '(4S) cached stats'),
    [
      '(4) ≥ 1.0 × (2)',
      ratio(rows, 'groundwork', 'bare-redis').text,
      ratio(rows, 'groundwork', 'bare-redis').median >= 1,
    ],
    [
      '(6s) HTTPS, HTTP/1.1 ≥ 0.8 × (6) plain HTTP (wrk)',
      ratio(rows, 'nginx-tls', 'nginx').text,
      ratio(rows, 'nginx-tls', 'nginx').median >= 0.8,
    ],
    [
      '(6h) HTTPS, HTTP/2 ≥ 0.8 × (6c) plain HTTP/1.1 (h2load)',
      ratio(rows, 'nginx-h2', 'nginx-h1-h2load').text,
      ratio(rows, 'nginx-h2', 'nginx-h1-h2load').median >= 0.8,
    ],
    [
      '(4) ≥ 5 × (5)',
      ratio(rows, 'groundwork', 'no-cache').text,
      ratio(rows, 'groundwork', 'no-cache').median >= 5,
    ],
    [
      `p99 of (4) at half its peak (${half.rate} req/s) ≤ 2 × p99 of (1) at that rate`,
      `${half.p99Ms.toFixed(2)} ms (p50 ${half.p50Ms.toFixed(2)}, ${half.achievedRps.toFixed(0)} req/s); (1): p99 ${floor.p99Ms.toFixed(2)} ms`,
      half.p99Ms <= 2 * floor.p99Ms,
    ],
    [
      `RSS of (4) after ${((last?.requests ?? 0) / 1e6).toFixed(2)} M more requests ≤ 150 MB, not growing`,
      `${last?.rssMb.toFixed(0)} MB (${mid?.rssMb.toFixed(0)} MB at ${((mid?.requests ?? 0) / 1e6).toFixed(2)} M)`,
      (last?.rssMb ?? Infinity) <= 150 && (last?.rssMb ?? 0) <= (mid?.rssMb ?? 0) * 1.1,
    ],
    ...backupLines(backup),
  ];
  const shown = (ok: boolean | 'noisy') =>
    ok === 'noisy' ? 'met at the 0.7× floor for a noisy host' : verdict(ok);
  return [
    '| target | measured | |',
    '| --- | --- | --- |',
    ...lines.map(([target, measured, ok]) => `| ${target} | ${measured} | ${shown(ok)} |`),
    '',
    `Profile of (4) at saturation (stack/bench/last-run/flame.svg), CPU time by category: ` +
      profile.map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join(', ') +
      '.',
  ];
}

/** Throughput and p99 side by side, drawn by vega-lite and rendered to SVG by vega. */
async function chart(rows: Row[]): Promise<string> {
  const bar = (field: string, title: string, labels: boolean) => ({
    mark: { type: 'bar' as const },
    encoding: {
      y: {
        field: 'label',
        type: 'nominal' as const,
        sort: null,
        title: null,
        // Wide enough for the longest server label, which vega would otherwise cut.
        axis: labels ? { labelLimit: 300 } : null,
      },
      x: { field, type: 'quantitative' as const, title },
      color: { field: 'key', type: 'nominal' as const, legend: null },
    },
    width: 300,
    height: 180,
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'GET /projects/{id}: groundwork against bare Node and Koa baselines (make bench)',
    data: { values: rows },
    hconcat: [bar('rps', 'requests per second', true), bar('p99Ms', 'p99 latency (ms)', false)],
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

function byKey(rows: Row[], key: string): Row {
  const row = rows.find((r) => r.key === key);
  if (!row) throw new Error(`no result for ${key}`);
  return row;
}

/** The backup engine's rows (stack/bench/backup.ts): speed against the bare driver, and its cost to by-id reads. */
function backupLines(b: BackupBench): [string, string, boolean][] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const perDoc = (b.archiveBytes / b.documents).toFixed(1);
  return [
    [
      `backup of ${b.documents} projects ≥ 0.8 × bare find() streaming them`,
      `${(b.bareFindMs / b.backupMs).toFixed(2)}× (${seconds(b.backupMs)} vs ${seconds(b.bareFindMs)}; ${perDoc} archive bytes per document)`,
      b.bareFindMs / b.backupMs >= 0.8,
    ],
    [
      `restore of them ≥ 0.8 × bare insertMany`,
      `${(b.bareInsertMs / b.restoreMs).toFixed(2)}× (${seconds(b.restoreMs)} vs ${seconds(b.bareInsertMs)})`,
      b.bareInsertMs / b.restoreMs >= 0.8,
    ],
    [
      'by-id p99 while a backup runs ≤ 1.5 × without',
      `${b.byIdP99DuringBackupMs.toFixed(2)} ms vs ${b.byIdP99Ms.toFixed(2)} ms (${b.byIdReads[1]} and ${b.byIdReads[0]} reads)`,
      b.byIdP99DuringBackupMs <= 1.5 * b.byIdP99Ms,
    ],
  ];
}
