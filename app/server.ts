import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHandler } from './app.js';
import type { Deps } from './deps.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Drain, stop accepting, finish in-flight requests, close dependencies. */
  shutdown(): Promise<void>;
}

/** Listens with createHandler(deps) and returns the handle main.ts and tests stop it with. */
export async function startServer(deps: Deps, port: number): Promise<RunningServer> {
  const handler = createHandler(deps);
  const server = createServer((req, res) => {
    // While draining, tell keep-alive clients (nginx) to stop reusing this connection
    // so their next request opens one to a replica that is staying.
    if (deps.readiness.isDraining()) res.setHeader('Connection', 'close');
    handler.handle(req, res);
  });
  // nginx keeps idle upstream connections for 4 s; if we closed ours first, nginx
  // could send a request just as we close the socket and get a reset. Staying open
  // longer than nginx means nginx is always the side that closes an idle connection.
  server.keepAliveTimeout = deps.config.KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = deps.config.KEEP_ALIVE_TIMEOUT_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      resolve();
    });
  });
  deps.readiness.markServing();
  return {
    server,
    port: (server.address() as AddressInfo).port,
    shutdown: () =>
      shutdown(server, deps).finally(() => {
        handler.close();
      }),
  };
}

async function shutdown(server: Server, deps: Deps): Promise<void> {
  deps.readiness.markDraining();
  deps.logger.info('draining', { drainDelayMs: deps.config.DRAIN_DELAY_MS });
  // Keep serving while load balancers notice /readyz = 503 and stop sending to us.
  await sleep(deps.config.DRAIN_DELAY_MS);
  const closed = new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  server.closeIdleConnections();
  await closed;
  await deps.close();
  deps.logger.info('stopped');
}
