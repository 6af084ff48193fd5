import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import type { Config } from '../config/config.js';
import type { MongoReachability } from '../db/reachability.js';
import type { Metrics } from '../metrics/metrics.js';
import { connectRedis, createRedis } from '../redis/redis.js';
import { createBreaker } from './breaker.js';
import { createBus } from './bus.js';
import { cacheCounters, type CacheContext } from './context.js';
import { createDbGate } from './db-gate.js';
import { createEpochStore } from './epoch.js';
import { CHANNEL } from './keys.js';
import { createGroup, type Group, type GroupOptions, type GroupSource } from './group.js';
import { createL2Store } from './l2-store.js';
import { createWatch } from './watch.js';

export interface Cache {
  /** A kind of read with its own share of L1; see group.ts. */
  group<A, T>(source: GroupSource<A, T>, options: GroupOptions): Group<A, T>;
  /** The L1 bytes this replica's groups share (CACHE_L1_MAX_BYTES). */
  readonly l1MaxBytes: number;
  /**
   * After a write: every replica forgets the entries of these families, through Redis
   * or, failing that, the epoch. Listeners hear each family on every other replica.
   */
  invalidate(families: string[]): Promise<void>;
  /** Called with each family another replica invalidated: evict it from L1. */
  onInvalidate(listener: (family: string) => void): void;
  state(): { redis: 'closed' | 'open'; bus: boolean; epoch: number };
  /**
   * Forgets everything cached, on every replica: for changes made to MongoDB around
   * the API (a manual fix, a restore, a test resetting its data).
   */
  invalidateAll(): Promise<void>;
  close(): Promise<void>;
}

interface CacheDeps {
  config: Config;
  db: Db;
  mongo: MongoReachability;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Builds the two-tier cache for one replica: its own connection to the cache Redis
 * (CACHE_REDIS_URL, with the cache's short command timeout, apart from the sessions'
 * and limiters' Redis), the subscriber for invalidations, the breaker, and the epoch
 * that covers writes made while Redis was away. What is cached, and which families a
 * write touches, is the caller's (app/projects/cached-reads.ts). See README.md here.
 */
export async function createCache(deps: CacheDeps): Promise<Cache> {
  const { config, logger, metrics } = deps;
  const redis = createRedis(
    config.CACHE_REDIS_URL,
    config.CACHE_REDIS_TIMEOUT_MS,
    logger,
    'groundwork-cache',
  );
  await connectRedis(redis, logger);
  const epochs = createEpochStore(deps.db);
  let epoch = await epochs.read();
  let bumpedWhileAway = false;
  const groups = new Set<Pick<Group<never, unknown>, 'clear' | 'suspect'>>();
  const listeners: ((family: string) => void)[] = [];
  // Known outdated (the epoch moved): gone. In doubt (Redis unhealthy): kept, but
  // only for stale-if-error, so that losing Redis and MongoDB together (the node
  // holding both died) still leaves cached reads to answer STALE.
  const dropL1 = () => {
    for (const group of groups) group.clear();
  };
  const suspectL1 = () => {
    for (const group of groups) group.suspect();
  };
  const owner = randomBytes(6).toString('hex');
  const l2 = createL2Store(redis, { owner, leaseMs: config.CACHE_LEASE_MS });
  // This replica's own heartbeat channel: no other replica hears its beats.
  const heartbeat = `${CHANNEL}:hb:${owner}`;
  const announce = (message: string) => l2.publish(message).catch(() => undefined);

  const refreshEpoch = async () => {
    const current = await epochs.read();
    if (current === epoch) return;
    epoch = current;
    dropL1();
    logger.info('cache epoch moved on', { epoch });
  };

  const breaker = createBreaker({
    failures: config.CACHE_BREAKER_FAILURES,
    cooldownMs: config.CACHE_BREAKER_COOLDOWN_MS,
    // Closing needs the epoch too: writes made while Redis was away moved it.
    probe: async () => {
      await redis.ping();
      await refreshEpoch();
    },
    onOpen: () => {
      watch.doubt();
      suspectL1();
      metrics.cacheBypassed.set(1);
      logger.warn('cache: Redis failing; reading MongoDB directly until it recovers');
    },
    onClose: () => {
      suspectL1();
      metrics.cacheBypassed.set(0);
      logger.info('cache: Redis recovered; caching again', { epoch });
      if (bumpedWhileAway) void announce('epoch');
      bumpedWhileAway = false;
    },
  });

  const bus = createBus(config.CACHE_REDIS_URL, logger, [CHANNEL, heartbeat], {
    onMessage: (channel, message) => {
      if (channel === heartbeat) watch.echo();
      else if (message === 'epoch') void refreshEpoch().catch(() => undefined);
      else for (const listener of listeners) listener(message);
    },
    onChange: () => {
      watch.doubt();
      suspectL1();
    },
  });

  const watch = createWatch({
    heartbeatMs: config.CACHE_HEARTBEAT_MS,
    fastPollMs: config.CACHE_EPOCH_POLL_MS,
    idlePollMs: config.CACHE_EPOCH_IDLE_POLL_MS,
    connected: () => bus.ready && breaker.isClosed,
    publish: () => redis.publish(heartbeat, '').then(() => undefined),
    refreshEpoch,
    onDoubt: suspectL1,
  });

  const ctx: CacheContext = {
    settings: {
      l1TtlMs: config.CACHE_L1_TTL_MS,
      l1MaxBytes: config.CACHE_L1_MAX_BYTES,
      l2TtlMs: config.CACHE_L2_TTL_MS,
      l2JitterMs: config.CACHE_L2_JITTER_MS,
      graceMs: config.CACHE_GRACE_MS,
      leaseMs: config.CACHE_LEASE_MS,
      negativeTtlMs: config.CACHE_NEGATIVE_TTL_MS,
      admitWindowMs: config.CACHE_ADMIT_WINDOW_MS,
    },
    l2,
    breaker,
    db: createDbGate(config.CACHE_DB_COOLDOWN_MS, deps.mongo),
    epoch: () => epoch,
    l1Usable: () => watch.trusted(),
    count: cacheCounters(metrics),
  };

  /** Makes every replica drop what this write changed, through Redis or, failing that, the epoch. */
  const invalidate = async (families: string[]) => {
    if (breaker.isClosed) {
      try {
        await l2.invalidate(epoch, families);
        return;
      } catch {
        ctx.count('l2', 'error');
        breaker.trip();
      }
    }
    epoch = await epochs.bump();
    bumpedWhileAway = true;
    dropL1();
    // Other replicas poll the epoch; if Redis is in fact reachable, tell them now.
    void announce('epoch');
  };

  return {
    group<A, T>(source: GroupSource<A, T>, options: GroupOptions) {
      const group = createGroup(ctx, source, options);
      groups.add(group);
      return group;
    },
    l1MaxBytes: config.CACHE_L1_MAX_BYTES,
    invalidate,
    onInvalidate(listener) {
      listeners.push(listener);
    },
    state: () => ({ redis: breaker.isClosed ? 'closed' : 'open', bus: bus.ready, epoch }),
    async invalidateAll() {
      epoch = await epochs.bump();
      dropL1();
      await announce('epoch');
    },
    async close() {
      watch.stop();
      breaker.stop();
      await bus.close();
      if (redis.status === 'ready') await redis.quit().catch(() => undefined);
      else redis.disconnect();
    },
  };
}
