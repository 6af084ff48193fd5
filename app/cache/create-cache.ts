import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import type { Config } from '../config/config.js';
import type { MongoReachability } from '../db/reachability.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ProjectsRepository } from '../projects/repository.js';
import { connectRedis, createRedis } from '../redis/redis.js';
import { createBreaker } from './breaker.js';
import { createBus } from './bus.js';
import { cacheCounters, type CacheContext } from './context.js';
import { createDbGate } from './db-gate.js';
import { createEpochStore } from './epoch.js';
import { CHANNEL } from './keys.js';
import { createL2Store } from './l2-store.js';
import { createCachedReads, type CachedProjectReads } from './project-reads.js';
import { createWatch } from './watch.js';

export interface ProjectCache {
  reads: CachedProjectReads;
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
  repository: ProjectsRepository;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Builds the two-tier cache for one replica: its own Redis connection (with the
 * cache's short command timeout, apart from sessions and limiters), the subscriber for
 * invalidations, the breaker, and the epoch that covers writes made while Redis was
 * away. See README "Cache" for the whole design.
 */
export async function createProjectCache(deps: CacheDeps): Promise<ProjectCache> {
  const { config, logger, metrics } = deps;
  const redis = createRedis(
    config.REDIS_URL,
    config.CACHE_REDIS_TIMEOUT_MS,
    logger,
    'groundwork-cache',
  );
  await connectRedis(redis, logger);
  const epochs = createEpochStore(deps.db);
  let epoch = await epochs.read();
  let bumpedWhileAway = false;
  // Filled in below: the breaker and the bus need L1 before the reads exist.
  const late: { reads?: CachedProjectReads } = {};
  // Known outdated (the epoch moved): gone. In doubt (Redis unhealthy): kept, but
  // only for stale-if-error, so that losing Redis and MongoDB together (the node
  // holding both died) still leaves cached reads to answer STALE.
  const dropL1 = () => late.reads?.dropL1();
  const suspectL1 = () => late.reads?.suspectL1();
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

  const bus = createBus(config.REDIS_URL, logger, [CHANNEL, heartbeat], {
    onMessage: (channel, message) => {
      if (channel === heartbeat) watch.echo();
      else if (message === 'epoch') void refreshEpoch().catch(() => undefined);
      else late.reads?.onMessage(message);
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
    },
    l2,
    breaker,
    db: createDbGate(config.CACHE_DB_COOLDOWN_MS, deps.mongo),
    epoch: () => epoch,
    l1Usable: () => watch.trusted(),
    count: cacheCounters(metrics),
  };

  /** Makes every replica drop what this write changed, through Redis or, failing that, the epoch. */
  const invalidateShared = async (id: string) => {
    if (breaker.isClosed) {
      try {
        await l2.invalidate(epoch, id);
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

  const reads = createCachedReads(ctx, deps.repository, invalidateShared);
  late.reads = reads;

  return {
    reads,
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
