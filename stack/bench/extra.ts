import autocannon from 'autocannon';
import { memory } from './processes.js';
import type { Server } from './servers.js';
import type { WrkResult } from './wrk.js';

export interface HalfRate {
  rate: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/**
 * p99 at a fixed rate of half the measured peak. wrk has no fixed-rate mode, so this
 * one run uses autocannon, which corrects for coordinated omission at a set rate.
 */
export async function halfRateLatency(
  url: string,
  rate: number,
  connections: number,
): Promise<HalfRate> {
  const overallRate = Math.max(1, Math.floor(rate));
  const result = await autocannon({ url, connections, duration: 10, overallRate });
  return {
    rate: overallRate,
    achievedRps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export interface RssSample {
  requests: number;
  rssMb: number;
}

/** Keeps the cached replica under full load until it has served `total` more requests. */
export async function rssOverRequests(
  server: Server,
  total: number,
  load: (url: string, seconds: number) => Promise<WrkResult>,
): Promise<RssSample[]> {
  const samples: RssSample[] = [{ requests: 0, rssMb: memory(server.node.pid).rssMb }];
  let served = 0;
  while (served < total) {
    served += (await load(server.url, 10)).requests;
    samples.push({ requests: served, rssMb: memory(server.node.pid).rssMb });
  }
  return samples;
}
