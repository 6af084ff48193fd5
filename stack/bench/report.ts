import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { HalfRate, RssSample } from './extra.js';

export interface Row {
  key: string;
  label: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
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
}

/** Prints the markdown table and writes it, with the SVG chart, beside results.json. */
export async function writeReport(dir: string, report: Report): Promise<void> {
  const markdown = [...table(report), '', ...targets(report)].join('\n');
  writeFileSync(join(dir, 'results.md'), markdown + '\n');
  writeFileSync(join(dir, 'chart.svg'), await chart(report.rows));
  process.stdout.write(
    `\n${markdown}\n\nwritten: ${join(dir, 'results.md')}, ${join(dir, 'chart.svg')}\n`,
  );
}

function table({ rows, settings }: Report): string[] {
  const cached = byKey(rows, 'groundwork');
  return [
    `wrk, 1 thread, ${settings.connections} connections, ${settings.seconds} s × ${settings.rounds} alternating rounds ` +
      `(median shown); each server pinned to one CPU, wrk and Redis/FerretDB/nginx on the other.`,
    '',
    '| server | req/s | p50 ms | p99 ms | peak RSS MB | (4) ÷ this | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ` +
        `${r.peakRssMb.toFixed(0)} | ${(cached.rps / r.rps).toFixed(2)}× | ${r.errors} |`,
    ),
  ];
}

function targets({ rows, half, floor, rss }: Report): string[] {
  const rps = (key: string) => byKey(rows, key).rps;
  const ratio = (a: string, b: string) => rps(a) / rps(b);
  const last = rss.at(-1);
  const mid = rss[Math.floor(rss.length / 2)];
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const lines: [string, string, boolean][] = [
    [
      '(4) ≥ 1.0 × (2)',
      `${ratio('groundwork', 'bare-redis').toFixed(2)}×`,
      ratio('groundwork', 'bare-redis') >= 1,
    ],
    [
      '(4) ≥ 0.8 × (3)',
      `${ratio('groundwork', 'koa').toFixed(2)}×`,
      ratio('groundwork', 'koa') >= 0.8,
    ],
    [
      '(4) ≥ 5 × (5)',
      `${ratio('groundwork', 'no-cache').toFixed(1)}×`,
      ratio('groundwork', 'no-cache') >= 5,
    ],
    [
      `p99 of (4) at half its peak (${half.rate} req/s) ≤ 5 ms`,
      `${half.p99Ms.toFixed(2)} ms (p50 ${half.p50Ms.toFixed(2)}, ${half.achievedRps.toFixed(0)} req/s); ` +
        `same run against (1): p99 ${floor.p99Ms.toFixed(2)} ms`,
      half.p99Ms <= 5,
    ],
    [
      `RSS of (4) after ${((last?.requests ?? 0) / 1e6).toFixed(2)} M more requests ≤ 150 MB, not growing`,
      `${last?.rssMb.toFixed(0)} MB (${mid?.rssMb.toFixed(0)} MB at ${((mid?.requests ?? 0) / 1e6).toFixed(2)} M)`,
      (last?.rssMb ?? Infinity) <= 150 && (last?.rssMb ?? 0) <= (mid?.rssMb ?? 0) * 1.1,
    ],
  ];
  return [
    '| target | measured | |',
    '| --- | --- | --- |',
    ...lines.map(([target, measured, ok]) => `| ${target} | ${measured} | ${verdict(ok)} |`),
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
