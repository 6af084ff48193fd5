import { createServer, Socket } from 'node:net';
import { waitUntil } from './wait-until.js';

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
 * Resolves once something accepts connections on `port`. `giveUpIf` is asked before
 * each try so a caller can stop early with a reason (its process exited).
 */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  giveUpIf: () => string | undefined = () => undefined,
): Promise<void> {
  const listening = () => canConnect(port);
  await waitUntil(`something listens on port ${port}`, timeoutMs, listening, {
    everyMs: 50,
    giveUpIf,
  });
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
