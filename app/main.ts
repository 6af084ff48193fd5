import { loadConfig, type Config } from './config/config.js';
import { redactUrl } from './config/connection-urls.js';
import { createDeps } from './deps.js';
import { describeError } from './errors/problem-middleware.js';
import { createLogger } from './logging/logger.js';
import { startServer, type RunningServer } from './server.js';

/** Process entry point: config, dependencies, listen, and shutdown on signals. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    fatal(`configuration error: ${(err as Error).message}`);
  }
  const logger = createLogger(config.LOG_LEVEL);
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception', { error: describeError(err) });
    process.exit(1);
  });
  logger.info('starting', {
    port: config.PORT,
    mongo: redactUrl(config.MONGO_URL),
    redis: redactUrl(config.REDIS_URL),
    version: config.APP_VERSION,
  });
  const deps = await createDeps(config, logger);
  const running = await startServer(deps, config.PORT);
  logger.info('listening', { port: running.port });
  onSignals(running, config, logger);
}

function onSignals(
  running: RunningServer,
  config: Config,
  logger: ReturnType<typeof createLogger>,
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // A hung dependency must not keep a replica from exiting: past the deadline,
    // exit non-zero so the orchestrator sees the unclean stop.
    setTimeout(() => {
      logger.error('shutdown deadline passed; forcing exit', {
        timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    running.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: describeError(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
}

/**
 * The last words of a process that cannot start: one JSON line on stdout like every
 * other log line (SREs read `docker service logs` as JSON), written without the
 * logger, which may not exist yet (LOG_LEVEL itself may be the bad variable).
 */
function fatal(message: string): never {
  const line = { timestamp: new Date().toISOString(), level: 'error', message };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}

main().catch((err: unknown) => {
  fatal(`start-up failed: ${(err as Error).message}`);
});
