import { Redis } from 'ioredis';
import type { Logger } from 'winston';

/**
 * A connection that has waited this long for any reply is taken for dead and replaced.
 * A Redis whose node vanished sends no RST: the socket would stay "ready" while the
 * kernel resent unanswered commands for some 15 minutes, every command timing out,
 * and the restarted Redis would not be reached before then. Replacing it makes
 * ioredis resolve and connect again, which finds Redis wherever it came back.
 */
export const DEAD_SOCKET_MS = 2000;

/**
 * Commands fail fast while Redis is unreachable (no offline queue, one retry, a command
 * timeout) so that callers can fall back instead of queueing behind a dead connection;
 * the connection itself keeps retrying in the background and recovers on its own.
 */
export function createRedis(url: string, timeoutMs: number, logger: Logger, name: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    socketTimeout: Math.max(DEAD_SOCKET_MS, timeoutMs),
    connectTimeout: Math.max(timeoutMs, 1000),
    connectionName: name,
    // No CLIENT SETINFO: the app's Redis user may not run it (stack/swarm/redis-entrypoint.sh).
    disableClientInfo: true,
    // Reconnect quickly (a restart is back within a second) but never busy-loop.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });
  let up = false;
  redis.on('ready', () => {
    up = true;
    logger.info('redis connected', { connection: name });
  });
  redis.on('error', (err: Error) => {
    // ioredis emits an error per failed reconnect; log the transition, not the flood.
    if (up) logger.warn('redis unavailable', { connection: name, error: err.message });
    up = false;
  });
  return redis;
}

/** Connects if Redis is there; if not, the app still starts and ioredis keeps trying. */
export async function connectRedis(redis: Redis, logger: Logger): Promise<void> {
  try {
    await redis.connect();
  } catch (err) {
    logger.warn('redis not reachable at start-up; continuing without it', {
      error: (err as Error).message,
    });
  }
}

/** One pending "next ready" per client, shared by every waiter during an outage. */
const nextReady = new WeakMap<Redis, Promise<void>>();

/**
 * Waits up to `timeoutMs` for a lost connection to come back. Requests that cannot be
 * answered without Redis (checking a session) ride out a Redis restart this way
 * instead of failing; a longer outage still fails, after a bounded wait.
 */
export async function awaitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready' || timeoutMs === 0) return;
  let ready = nextReady.get(redis);
  if (!ready) {
    ready = new Promise<void>((resolve) => redis.once('ready', resolve)).finally(() => {
      nextReady.delete(redis);
    });
    nextReady.set(redis, ready);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([ready, timeout]);
  clearTimeout(timer);
}
