import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnIn, type TestHost } from './netns.js';
import { waitUntil } from '../../support/wait-until.js';
import { connect } from 'node:net';

const SHIPPED = resolve(import.meta.dirname, '../../../stack/balancer/haproxy.cfg');

/**
 * The shipped balancer configuration (stack/balancer/haproxy.cfg) with its example node
 * addresses swapped for `nodes` (each `ip` with the published `ports`) and its listeners
 * bound to `bindIp`: what an operator runs, pointed at this machine's stack.
 */
export function balancerConfig(
  bindIp: string,
  nodes: string[],
  ports: { http: string; https: string },
): string {
  const servers = (https: boolean) =>
    nodes
      .map((ip, i) =>
        https
          ? `  server node${i + 1} ${ip}:${ports.https} port ${ports.http}`
          : `  server node${i + 1} ${ip}:${ports.http}`,
      )
      .join('\n');
  const text = readFileSync(SHIPPED, 'utf8')
    .replace(/^ {2}bind :(80|443)$/gm, `  bind ${bindIp}:$1`)
    .replace(
      /^(backend nginx_http\n(?: {2}(?!server).*\n)*)(?: {2}server .*\n)+/m,
      `$1${servers(false)}\n`,
    )
    .replace(
      /^(backend nginx_https\n(?: {2}(?!server).*\n)*)(?: {2}server .*\n?)+/m,
      `$1${servers(true)}\n`,
    );
  if (text.includes('10.0.1.1')) throw new Error(`${SHIPPED}: an example address was not replaced`);
  return text;
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
