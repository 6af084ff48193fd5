import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import { DEAD_SOCKET_MS } from '../redis/redis.js';

/**
 * The subscriber side of cross-replica invalidation, on its own connection. `ready` is
 * true only once SUBSCRIBE is acknowledged, and every loss of it drops L1 (`onChange`).
 */
export interface Bus {
  readonly ready: boolean;
  close(): Promise<void>;
}

// A subscribed connection only listens, so a Redis that vanished without closing it
// would never be noticed: it is pinged this often, and DEAD_SOCKET_MS without a reply
// replaces it (redis.ts).
const PING_MS = 1000;

export function createBus(
  url: string,
  logger: Logger,
  channels: string[],
  handlers: { onMessage(channel: string, message: string): void; onChange(): void },
): Bus {
  const subscriber = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    socketTimeout: DEAD_SOCKET_MS,
    connectionName: 'groundwork-cache-bus',
    // No CLIENT SETINFO: the app's Redis user may not run it (stack/swarm/redis-entrypoint.sh).
    disableClientInfo: true,
    // Reconnect quickly: until it is back, this replica serves no L1 hits.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });
  let ready = false;
  const setReady = (value: boolean) => {
    if (ready === value) return;
    ready = value;
    handlers.onChange();
  };
  subscriber.on('ready', () => {
    subscriber.subscribe(...channels).then(
      () => {
        setReady(true);
      },
      (err: unknown) => {
        logger.warn('cache bus could not subscribe; reconnecting', { error: String(err) });
        subscriber.disconnect(true);
      },
    );
  });
  subscriber.on('close', () => {
    setReady(false);
  });
  // Failures show as `close`; without a listener ioredis would print each retry.
  subscriber.on('error', () => undefined);
  subscriber.on('message', (channel: string, message: string) => {
    handlers.onMessage(channel, message);
  });
  subscriber.connect().catch(() => undefined);
  const pinger = setInterval(() => {
    if (ready) subscriber.ping().catch(() => undefined);
  }, PING_MS);
  pinger.unref();

  return {
    get ready() {
      return ready;
    },
    async close() {
      ready = false;
      clearInterval(pinger);
      subscriber.disconnect();
      await Promise.resolve();
    },
  };
}
