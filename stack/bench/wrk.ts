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
