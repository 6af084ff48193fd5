import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import { createAuthService } from './auth/service.js';
import type { AuthService, RequestLimiters } from './auth/types.js';
import { createProjectCache, type ProjectCache } from './cache/create-cache.js';
import type { Config } from './config/config.js';
import { createBulkhead } from './db/bulkhead.js';
import { connectMongo } from './db/mongo.js';
import type { MongoReachability } from './db/reachability.js';
import { migrate } from './db/migrations.js';
import { createReadiness, type ReadinessProbe } from './health/readiness.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createIdempotencyStore } from './projects/idempotency-store.js';
import { createProjectsRepository } from './projects/repository.js';
import { createProjectsService, type ProjectsService } from './projects/service.js';
import { createLimiters } from './rate-limit/limiters.js';
import { connectRedis, createRedis } from './redis/redis.js';

export interface Deps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessProbe;
  auth: AuthService;
  limiters: RequestLimiters;
  projects: ProjectsService;
  /** The read-through cache; undefined when CACHE_ENABLED is false. */
  cache: ProjectCache | undefined;
  db: Db;
  /** Whether the driver sees MongoDB: routes that need it answer 503 at once when not. */
  mongo: MongoReachability;
  redis: Redis;
  /** Closes every connection createDeps opened, in reverse order. */
  close(): Promise<void>;
}

/**
 * The composition root: connects MongoDB and Redis, migrates, makes sure the first
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
    await migrate(mongo.db, logger);
    const auth = createAuthService({ db: mongo.db, redis, config, metrics, logger });
    if (config.ADMIN_PASSWORD !== undefined && config.ADMIN_PASSWORD !== '') {
      await auth.ensureAdmin(config.ADMIN_PASSWORD);
    }
    const repository = createProjectsRepository(mongo.db, {
      maxTimeMS: config.MONGO_MAX_TIME_MS,
      scans: createBulkhead(config.LIST_CONCURRENCY, config.LIST_QUEUE, 'list queries'),
    });
    const cache = config.CACHE_ENABLED
      ? await createProjectCache({
          config,
          db: mongo.db,
          mongo: mongo.reachability,
          repository,
          metrics,
          logger,
        })
      : undefined;
    if (cache) closers.push(() => cache.close());
    const projects = createProjectsService({
      repository,
      idempotency: createIdempotencyStore(mongo.db, config.MONGO_MAX_TIME_MS),
      ...(cache ? { reads: cache.reads } : {}),
    });
    return {
      config,
      logger,
      metrics,
      readiness: createReadiness(mongo.db, redis, metrics, config.MONGO_TIMEOUT_MS),
      auth,
      limiters: createLimiters({ redis, metrics, scale: config.RATE_LIMIT_SCALE }),
      projects,
      cache,
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
