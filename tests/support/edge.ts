import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../stack/stack-file.js';
import { freePort, waitForPort } from './ports.js';

export interface Edge {
  /** nginx's plain-HTTP address. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The stack's nginx (the `check` rendering: its limits, headers and retries) in front
 * of the replicas at `upstreams` (host:port), on free loopback ports. stop() asks the
 * master to stop (SIGTERM), which takes its workers with it: a SIGKILLed master leaves
 * them running, listening, after the test.
 */
export async function startEdge(upstreams: string[]): Promise<Edge> {
  const listen = await freePort();
  const tlsListen = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edge-'));
  execFileSync('bash', [join(ROOT, 'nginx/render.sh'), 'check', join(dir, 'nginx.conf')], {
    env: {
      ...process.env,
      NGINX_RUNTIME_DIR: dir,
      UPSTREAM_ADDRS: upstreams.join(' '),
      NGINX_LISTEN: `127.0.0.1:${listen}`,
      NGINX_TLS_LISTEN: `127.0.0.1:${tlsListen}`,
    },
  });
  const nginx: ChildProcess = spawn(
    'nginx',
    ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  await waitForPort(listen, 10000);
  return {
    url: `http://127.0.0.1:${listen}`,
    async stop() {
      if (nginx.exitCode === null && nginx.signalCode === null) {
        const exited = new Promise((done) => nginx.once('exit', done));
        nginx.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        nginx.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
