import { performance } from 'node:perf_hooks';

/** The p-th percentile (nearest rank) of `values`; 0 for none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A value with how long it took to get, in milliseconds. */
export interface Timed<T> {
  value: T;
  ms: number;
}

/** A clock started now: the time since, for a test's bounds and printed figures. */
export function stopwatch(): { ms(): number; seconds(): number } {
  const started = performance.now();
  const ms = () => performance.now() - started;
  return { ms, seconds: () => ms() / 1000 };
}

/** Runs `work` and returns its value with how long it took. */
export async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const took = stopwatch();
  const value = await work();
  return { value, ms: took.ms() };
}

/** "p50 3.1 p99 12.4 max 20.0 ms (n=200)", for a test's printed figures. */
export function describeLatency(ms: number[]): string {
  const f = (n: number) => n.toFixed(1);
  const max = ms.length > 0 ? Math.max(...ms) : 0;
  return `p50 ${f(percentile(ms, 50))} p99 ${f(percentile(ms, 99))} max ${f(max)} ms (n=${ms.length})`;
}
