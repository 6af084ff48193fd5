import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnIn, type TestHost } from './netns.js';
import { waitFor } from './swarm.js';
import { connect } from 'node:net';

/**
 * A real layer-4 balancer (Debian's HAProxy) on a test host of its own, in front of
 * the stack's published ports on `nodeIp`, as an operator's balancer would sit in front
 * of the nodes: TCP only, each connection to nginx opened with a PROXY protocol v2
 * header that names the client.
 */
export async function startBalancer(
  host: TestHost,
  nodeIp: string,
  ports: { http: string; https: string },
): Promise<{ stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      `frontend http`,
      `  bind ${host.ip}:80`,
      `  default_backend nginx_http`,
      `frontend https`,
      `  bind ${host.ip}:443`,
      `  default_backend nginx_https`,
      `backend nginx_http`,
      `  server node1 ${nodeIp}:${ports.http} send-proxy-v2`,
      `backend nginx_https`,
      `  server node1 ${nodeIp}:${ports.https} send-proxy-v2`,
      '',
    ].join('\n'),
  );
  // -db: stay in the foreground, so stopping the child stops HAProxy.
  const child = spawnIn(host, 'haproxy', ['-db', '-f', config]);
  await waitFor(`HAProxy listening on ${host.ip}:80`, 20000, () => listening(host.ip, 80));
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
