import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Metrics } from '../metrics/metrics.js';

export type DependencyState = 'up' | 'down';

export interface Readiness {
  ready: boolean;
  status: 'ready' | 'starting' | 'draining' | 'unavailable';
  dependencies: { mongodb: DependencyState; redis: DependencyState };
}

/**
 * What /readyz reports. MongoDB down makes the replica unready (it cannot answer
 * uncached reads or any write); Redis down does not, because reads and writes fall
 * back to MongoDB without it — it shows as a degraded dependency instead. Each probe
 * waits as long as that client's own command timeout: a scrape of /metrics (which
 * probes too) then stays well inside Prometheus's scrape timeout.
 */
export function createReadiness(
  db: Db,
  redis: Redis,
  metrics: Metrics,
  timeoutMs: { mongodb: number; redis: number },
) {
  let phase: 'starting' | 'serving' | 'draining' = 'starting';
  return {
    markServing: () => {
      phase = 'serving';
    },
    markDraining: () => {
      phase = 'draining';
    },
    isDraining: () => phase === 'draining',
    async check(): Promise<Readiness> {
      const [mongodb, redisState] = await Promise.all([
        probe(() => db.command({ ping: 1 }), timeoutMs.mongodb),
        // INFO memory answers like a PING and says how full the state Redis is (its
        // noeviction store refuses new sessions when full: StateRedisMemoryHigh).
        probe(async () => {
          recordMemory(metrics, await redis.info('memory'));
        }, timeoutMs.redis),
      ]);
      metrics.dependencyUp.set({ dependency: 'mongodb' }, mongodb === 'up' ? 1 : 0);
      metrics.dependencyUp.set({ dependency: 'redis' }, redisState === 'up' ? 1 : 0);
      const dependencies = { mongodb, redis: redisState };
      if (phase !== 'serving') return { ready: false, status: phase, dependencies };
      const ready = mongodb === 'up';
      return { ready, status: ready ? 'ready' : 'unavailable', dependencies };
    },
  };
}

export type ReadinessProbe = ReturnType<typeof createReadiness>;

async function probe(call: () => Promise<unknown>, timeoutMs: number): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyState>((resolve) => {
    timer = setTimeout(() => {
      resolve('down');
    }, timeoutMs);
  });
  try {
    return await Promise.race([call().then(() => 'up' as const), timeout]);
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** used_memory and maxmemory from INFO memory into their gauges (0 maxmemory: no limit). */
function recordMemory(metrics: Metrics, info: string): void {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
  const used = field('used_memory');
  const max = field('maxmemory');
  if (Number.isFinite(used)) metrics.stateRedisUsedBytes.set(used);
  if (Number.isFinite(max)) metrics.stateRedisMaxBytes.set(max);
}
