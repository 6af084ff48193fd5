import type { Server } from 'node:http';
import type { Logger } from 'winston';
import { loadConfig, type Config } from '../../app/config/config.js';
import { createDeps, type Deps } from '../../app/deps.js';
import { createSilentLogger } from '../../app/logging/logger.js';
import { startServer } from '../../app/server.js';
import { testServers } from './root-hooks.js';
import { ADMIN_PASSWORD } from './sign-up.js';

export interface TestApp {
  url: string;
  deps: Deps;
  server: Server;
  stop(): Promise<void>;
}

/** Config for an app instance against the shared test servers; overrides win. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const servers = testServers();
  return loadConfig({
    MONGO_URL: servers.mongoUrl,
    REDIS_URL: servers.redisUrl,
    ADMIN_PASSWORD,
    DEVICE_KEY: 'device-key-for-tests-only',
    DRAIN_DELAY_MS: '0',
    LOG_LEVEL: 'error',
    // Integration tests send bursts on purpose (50 logins at once, cache floods) and
    // assert what the app does with each request; load shedding (tests/e2e/overload)
    // would answer some of them 503 instead. Tests of shedding turn it back on.
    MAX_IN_FLIGHT: '0',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  });
}

/** A real app instance listening on a free port, the way main.ts runs one. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  logger: Logger = createSilentLogger(),
): Promise<TestApp> {
  const deps = await createDeps(testConfig(overrides), logger);
  const running = await startServer(deps, 0);
  return {
    url: `http://127.0.0.1:${running.port}`,
    deps,
    server: running.server,
    stop: () => running.shutdown(),
  };
}

/** Empties the collections and Redis between tests; migrations' indexes stay. */
export async function resetData(deps: Deps): Promise<void> {
  await Promise.all([
    deps.db.collection('projects').deleteMany({}),
    deps.db.collection('users').deleteMany({ username: { $ne: 'admin' } }),
    deps.db.collection('idempotency_keys').deleteMany({}),
    deps.redis.flushdb(),
  ]);
  // The deletes above went around the API, so no replica's cache heard of them.
  await deps.cache?.invalidateAll();
}

/**
 * Empties the data before each test of the enclosing describe block, then runs `then`
 * in the same hook: what every test of the block starts from (members, projects).
 */
export function resetBeforeEach(app: TestApp, then?: () => Promise<unknown>): void {
  beforeEach(async () => {
    await resetData(app.deps);
    await then?.();
  });
}

/**
 * Starts one app instance for the enclosing describe block (before) and stops it
 * (after). The handle reads through to the running instance, so tests use it as a
 * TestApp.
 */
export function useTestApp(overrides: Record<string, string> = {}): TestApp {
  let app: TestApp | undefined;
  before(async () => {
    app = await startTestApp(overrides);
  });
  after(async () => {
    await app?.stop();
  });
  const current = (): TestApp => {
    if (!app) throw new Error('the test app has not started');
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get deps() {
      return current().deps;
    },
    get server() {
      return current().server;
    },
    stop: () => current().stop(),
  };
}
