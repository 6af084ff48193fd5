import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric groundwork exports, on a registry of its own (not prom-client's global)
 * so that several app instances in one test process do not collide.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheEvents: new Counter({
      name: 'cache_events_total',
      help: 'Cache lookups by tier (l1, l2) and result (hit, miss, stale, error)',
      labelNames: ['tier', 'result'] as const,
      registers: [registry],
    }),
    cacheBypassed: new Gauge({
      name: 'cache_redis_bypassed',
      help: '1 while the cache breaker is open and reads skip Redis for MongoDB, else 0',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests rejected with 429, by limiter',
      labelNames: ['limiter'] as const,
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'dependency_up',
      help: '1 when the dependency answered its last health check (every scrape and /readyz), else 0',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    stateRedisUsedBytes: new Gauge({
      name: 'groundwork_state_redis_used_memory_bytes',
      help: "The state Redis's used_memory (sessions, limiter counters) at the last scrape",
      registers: [registry],
    }),
    stateRedisMaxBytes: new Gauge({
      name: 'groundwork_state_redis_maxmemory_bytes',
      help: "The state Redis's maxmemory (0: no limit) at the last scrape",
      registers: [registry],
    }),
    // The value is always 1; the labels say which build a replica runs, so Prometheus
    // can count versions across replicas (a rollout in progress, or one rolled back).
    buildInfo: new Gauge({
      name: 'groundwork_build_info',
      help: 'Always 1, labelled with the version and commit this replica runs',
      labelNames: ['version', 'commit'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
