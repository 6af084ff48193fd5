import { bool } from 'envalid';
import { positiveInt } from './validators.js';

/** The read cache's settings (app/cache/): sizes, lifetimes, and how it fails over. */
export const CACHE_SETTINGS = {
  CACHE_ENABLED: bool({
    default: true,
    desc: 'Read projects through the L1/L2 cache; false reads MongoDB directly (benchmarks, debugging)',
  }),
  CACHE_L1_MAX_BYTES: positiveInt({
    default: 32 * 1024 * 1024,
    desc: 'Upper bound on the bytes of JSON each replica keeps in its in-process cache',
  }),
  CACHE_L1_TTL_MS: positiveInt({
    default: 5000,
    desc: 'How long a replica trusts its in-process copy; a safety net, since writes evict it at once',
  }),
  CACHE_L2_TTL_MS: positiveInt({
    default: 60000,
    desc: 'How long an entry in Redis counts as fresh',
  }),
  CACHE_L2_JITTER_MS: positiveInt({
    default: 10000,
    desc: 'Random extra Redis TTL, up to this, so entries cached together do not expire together',
  }),
  CACHE_GRACE_MS: positiveInt({
    default: 300000,
    desc: 'While MongoDB fails, an entry this far past its TTL is still served, as X-Cache: STALE',
  }),
  CACHE_NEGATIVE_TTL_MS: positiveInt({
    default: 5000,
    desc: 'How long Redis keeps "no such project" (a 404); short, and with no grace period',
  }),
  CACHE_ADMIT_WINDOW_MS: positiveInt({
    default: 60000,
    desc: 'A list page is stored in Redis only when missed a second time within this (0: on the first miss)',
  }),
  CACHE_REDIS_TIMEOUT_MS: positiveInt({
    default: 100,
    desc: 'A cache command slower than this counts as a Redis failure and the read goes to MongoDB',
  }),
  CACHE_BREAKER_FAILURES: positiveInt({
    default: 3,
    desc: 'Consecutive Redis failures that open the cache breaker (Redis is then skipped)',
  }),
  CACHE_BREAKER_COOLDOWN_MS: positiveInt({
    default: 1000,
    desc: 'How long the cache breaker stays open before it probes Redis again',
  }),
  CACHE_LEASE_MS: positiveInt({
    default: 2500,
    desc: 'How long one replica may hold the lease to fill a cold key before others read MongoDB too',
  }),
  CACHE_DB_COOLDOWN_MS: positiveInt({
    default: 1000,
    desc: 'After MongoDB fails a read, uncached reads answer 503 at once for this long',
  }),
  CACHE_EPOCH_POLL_MS: positiveInt({
    default: 100,
    desc: 'While Redis is in doubt, how often a replica re-reads the cache epoch writes then bump (0: never)',
  }),
  CACHE_EPOCH_IDLE_POLL_MS: positiveInt({
    default: 1000,
    desc: 'While Redis is healthy, how often a replica re-reads the cache epoch anyway (0: never)',
  }),
  CACHE_HEARTBEAT_MS: positiveInt({
    default: 50,
    desc: 'How often a replica proves through Redis pub/sub that it hears invalidations; 2 beats unanswered, L1 is not trusted',
  }),
  HTTP_FAST_READS: bool({
    default: true,
    desc: 'Answer fresh cache hits of the project reads without Koa (same bytes, log line and metric)',
  }),
};
