import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnIn, type TestHost } from './netns.js';
import { waitUntil } from '../../support/wait-until.js';
import { connect } from 'node:net';

const RENDER = resolve(import.meta.dirname, '../../../stack/balancer/render.sh');

/**
 * The shipped balancer configuration (stack/balancer/haproxy.cfg) as
 * stack/balancer/render.sh points it at `nodes` (each `ip` with the published `ports`),
 * its listeners bound to `bindIp`: what an operator runs, pointed at this machine's stack.
 */
function balancerConfig(
  bindIp: string,
  nodes: string[],
  ports: { http: string; https: string },
): string {
  return execFileSync('bash', [RENDER, ...nodes], {
    encoding: 'utf8',
    env: {
      ...process.env,
      BALANCER_HTTP: `${bindIp}:80`,
      BALANCER_HTTPS: `${bindIp}:443`,
      NODE_HTTP_PORT: ports.http,
      NODE_HTTPS_PORT: ports.https,
    },
  });
}

/**
 * A real layer-4 balancer (Debian's HAProxy) on a test host of its own, in front of
 * the stack's published ports on `nodeIp`, as an operator's balancer would sit in front
 * of the nodes: the shipped configuration, TCP only, each connection to nginx opened
 * with a PROXY protocol v2 header that names the client.
 */
export async function startBalancer(
  host: TestHost,
  nodeIp: string,
  ports: { http: string; https: string },
): Promise<{ stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, balancerConfig(host.ip, [nodeIp], ports));
  // -db: stay in the foreground, so stopping the child stops HAProxy.
  const child = spawnIn(host, 'haproxy', ['-db', '-f', config]);
  await waitUntil(`HAProxy listening on ${host.ip}:80`, 20000, () => listening(host.ip, 80));
  return {
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True once something accepts a TCP connection at `ip:port` (from the host). */
function listening(ip: string, port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(undefined);
    });
  });
}
