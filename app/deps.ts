import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import { AUTH_MIGRATIONS } from './auth/migrations.js';
import { createAuthService } from './auth/service.js';
import type { AuthService } from './auth/types.js';
import { createCache, type Cache } from './cache/create-cache.js';
import type { Config } from './config/config.js';
import { createBulkhead } from './concurrency/bulkhead.js';
import { connectMongo } from './db/mongo.js';
import type { MongoReachability } from './db/reachability.js';
import { migrate } from './db/migrations.js';
import { createReadiness, type ReadinessProbe } from './health/readiness.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createCachedReads, type CachedProjectReads } from './projects/cached-reads.js';
import { createIdempotencyStore } from './projects/idempotency-store.js';
import { PROJECT_MIGRATIONS } from './projects/migrations.js';
import { createProjectsRepository } from './projects/repository.js';
import { createProjectsService, type ProjectsService } from './projects/service.js';
import { createLimiters, type RequestLimiters } from './rate-limit/limiters.js';
import { connectRedis, createRedis } from './redis/redis.js';

/** Every feature's schema steps; each feature numbers its own. */
const MIGRATIONS = [...AUTH_MIGRATIONS, ...PROJECT_MIGRATIONS];

export interface Deps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessProbe;
  auth: AuthService;
  limiters: RequestLimiters;
  projects: ProjectsService;
  /** The read-through cache; undefined when CACHE_ENABLED is false. */
  cache: Cache | undefined;
  /** The project reads through that cache, for the fast path; undefined without it. */
  cachedReads: CachedProjectReads | undefined;
  db: Db;
  /** Whether the driver sees MongoDB: routes that need it answer 503 at once when not. */
  mongo: MongoReachability;
  redis: Redis;
  /** Closes every connection createDeps opened, in reverse order. */
  close(): Promise<void>;
}

/**
 * The composition root: connects MongoDB and the state Redis (the cache connects its
 * own, CACHE_REDIS_URL), migrates, makes sure the first
 * admin exists, and builds every service from explicit dependencies.
 */
export async function createDeps(config: Config, logger: Logger): Promise<Deps> {
  const metrics = createMetrics();
  const mongo = await connectMongo(
    config.MONGO_URL,
    config.MONGO_TIMEOUT_MS,
    config.MONGO_HEARTBEAT_MS,
  );
  const redis = createRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger, 'groundwork');
  const closers: (() => Promise<unknown>)[] = [() => mongo.client.close(), () => quit(redis)];
  try {
    await connectRedis(redis, logger);
    await migrate(mongo.db, logger, MIGRATIONS);
    const auth = createAuthService({ db: mongo.db, redis, config, metrics, logger });
    if (config.ADMIN_PASSWORD !== undefined && config.ADMIN_PASSWORD !== '') {
      await auth.ensureAdmin(config.ADMIN_PASSWORD);
    }
    const repository = createProjectsRepository(mongo.db, {
      maxTimeMS: config.MONGO_MAX_TIME_MS,
      scans: createBulkhead(
        config.LIST_CONCURRENCY,
        config.LIST_QUEUE,
        'list queries',
        config.LATENCY_TARGET_MS > 0 ? config.LATENCY_TARGET_MS : Infinity,
        config.LIST_WAIT_MS,
      ),
    });
    const cache = config.CACHE_ENABLED
      ? await createCache({ config, db: mongo.db, mongo: mongo.reachability, metrics, logger })
      : undefined;
    if (cache) closers.push(() => cache.close());
    const cachedReads = cache ? createCachedReads(cache, repository) : undefined;
    const projects = createProjectsService({
      repository,
      idempotency: createIdempotencyStore(mongo.db, config.MONGO_MAX_TIME_MS),
      ...(cachedReads ? { reads: cachedReads } : {}),
    });
    return {
      config,
      logger,
      metrics,
      readiness: createReadiness(mongo.db, redis, metrics, {
        mongodb: config.MONGO_TIMEOUT_MS,
        redis: config.REDIS_TIMEOUT_MS,
      }),
      auth,
      limiters: createLimiters({ redis, metrics, scale: config.RATE_LIMIT_SCALE }),
      projects,
      cache,
      cachedReads,
      db: mongo.db,
      mongo: mongo.reachability,
      redis,
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}

async function closeAll(closers: (() => Promise<unknown>)[]): Promise<void> {
  for (const close of [...closers].reverse()) {
    await close().catch(() => undefined);
  }
}

async function quit(redis: Redis): Promise<void> {
  // quit() waits for a reply that never comes while Redis is down; disconnect does not.
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
