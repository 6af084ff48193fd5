import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestOptions } from './http.js';
import { timed } from './latency.js';

/** One request of the caller's client, answered with at least its status. */
export type Send = (path: string, options?: RequestOptions) => Promise<{ status: number }>;

export interface PointTraffic {
  reads: number[];
  writes: number[];
  /** "GET 503", "PATCH 429": every answer that was not a 200. */
  failures: string[];
}

/**
 * The cheap work a flood must not crowd out: for each of `ids`, a cold by-id read (each
 * id once, so it goes to MongoDB) then a PATCH with If-Match "1" (so each id once per
 * test), one pair at a time and no faster than one pair per `pairMs`.
 */
export async function pointTraffic(
  send: (i: number) => Send,
  ids: string[],
  token: string,
  pairMs = 0,
): Promise<PointTraffic> {
  const result: PointTraffic = { reads: [], writes: [], failures: [] };
  for (const [i, id] of ids.entries()) {
    const read = await timed(() => send(i)(`/projects/${id}`));
    result.reads.push(read.ms);
    if (read.value.status !== 200) result.failures.push(`GET ${read.value.status}`);
    const write = await timed(() =>
      send(i)(`/projects/${id}`, {
        method: 'PATCH',
        token,
        json: { budget: 5000 + i },
        headers: { 'if-match': '"1"' },
      }),
    );
    result.writes.push(write.ms);
    if (write.value.status !== 200) result.failures.push(`PATCH ${write.value.status}`);
    await sleep(Math.max(0, pairMs - read.ms - write.ms));
  }
  return result;
}
