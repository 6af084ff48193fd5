import type { Metrics } from '../metrics/metrics.js';
import type { Breaker } from './breaker.js';
import type { DbGate } from './db-gate.js';
import type { L2Store } from './l2-store.js';

export interface CacheSettings {
  l1TtlMs: number;
  l1MaxBytes: number;
  l2TtlMs: number;
  l2JitterMs: number;
  graceMs: number;
  leaseMs: number;
  /** L2 life of a negative entry (a value that does not exist); no grace period. */
  negativeTtlMs: number;
  /** A group with second-miss admission stores a key in L2 only if missed twice within this. */
  admitWindowMs: number;
}

type Tier = 'l1' | 'l2';
type Result = 'hit' | 'miss' | 'stale' | 'error';

/** What every part of the cache shares; built once per replica by create-cache.ts. */
export interface CacheContext {
  settings: CacheSettings;
  l2: L2Store;
  breaker: Breaker;
  db: DbGate;
  /** The namespace in use now (see epoch.ts). */
  epoch(): number;
  /** False while L1 cannot hear invalidations: Redis bypassed or the bus down. */
  l1Usable(): boolean;
  count(tier: Tier, result: Result): void;
}

/**
 * Counter children bound once: prom-client hashes label values on every labelled
 * inc(), which an L1 hit — the hot path — should not pay.
 */
export function cacheCounters(metrics: Metrics): CacheContext['count'] {
  const bind = (tier: Tier) => {
    const child = (result: Result) => metrics.cacheEvents.labels({ tier, result });
    return { hit: child('hit'), miss: child('miss'), stale: child('stale'), error: child('error') };
  };
  const bound = { l1: bind('l1'), l2: bind('l2') };
  return (tier, result) => {
    bound[tier][result].inc();
  };
}
