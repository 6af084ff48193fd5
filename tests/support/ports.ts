import { createServer, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Loopback port helpers shared by the test servers, the e2e twin and the benchmark,
 * each of which starts real processes on ports of its own.
 */

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Resolves once something accepts connections on `port`. `failed` is asked before
 * each try so a caller can stop early with a reason (its process exited).
 */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  failed: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = failed();
    if (reason !== undefined) throw new Error(reason);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}
