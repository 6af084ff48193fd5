import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  /** CPUs wrk may run on (taskset -c), away from the server under test. */
  cpus: string;
}

/** One wrk run; wrk is C, so the load generator costs the server's core nothing. */
export async function wrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    '-c',
    options.cpus,
    'wrk',
    '--latency',
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    options.url,
  ];
  const { stdout } = await run('taskset', args, { maxBuffer: 1 << 20 });
  return parse(stdout);
}

export function parse(text: string): WrkResult {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  const errors = [
    /Non-2xx or 3xx responses: (\d+)/,
    /Socket errors: connect (\d+)/,
    /read (\d+), write/,
    /write (\d+), timeout/,
    /timeout (\d+)/,
  ].reduce((sum, pattern) => sum + (Number(pattern.exec(text)?.[1]) || 0), 0);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: millis(/ 50%\s+([\d.]+)(us|ms|s)/.exec(text)),
    p99Ms: millis(/ 99%\s+([\d.]+)(us|ms|s)/.exec(text)),
    requests: number(/(\d+) requests in/),
    errors,
  };
}

function millis(match: RegExpExecArray | null): number {
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/**
 * One h2load run (nghttp2): HTTP/2 over TLS, or HTTP/1.1 with `h1`, one stream per
 * connection so it offers the load wrk does. It reports no percentiles: p50 and p99
 * stay NaN.
 */
export async function h2load(options: WrkOptions, h1: boolean): Promise<WrkResult> {
  const args = ['-c', options.cpus, 'h2load', '-t1', `-c${options.connections}`, '-m1'];
  args.push(`-D${options.seconds}`, ...(h1 ? ['--h1'] : []), options.url);
  const { stdout } = await run('taskset', args, { maxBuffer: 1 << 20 });
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
  return {
    rps: number(/finished in [\d.]+\w+, ([\d.]+) req\/s/),
    p50Ms: NaN,
    p99Ms: NaN,
    requests: number(/requests: \d+ total, \d+ started, (\d+) done/),
    errors: number(/(\d+) failed/) + number(/(\d+) errored/),
  };
}
