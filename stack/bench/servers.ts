import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '../../tests/support/ports.js';
import { start } from './processes.js';

export interface Server {
  key: string;
  label: string;
  url: string;
  /** Servers of one group must answer the same bytes. */
  group: string;
  /** The Node process whose memory is reported (for nginx: the replica behind it). */
  node: ChildProcess;
  extra?: ChildProcess;
  /** The load generator: wrk (HTTP/1.1, also over TLS) unless h2load is named. */
  tool?: 'h2load' | 'h2load-h1';
}

export interface BenchEnv {
  root: string;
  dir: string;
  redisUrl: string;
  mongoUrl: string;
  serverCpu: string;
  sideCpu: string;
}

const ADMIN_PASSWORD = 'bench-admin-password-not-secret';

/** A groundwork replica as production runs it: compiled, JSON logs at info (to /dev/null). */
export async function groundwork(
  env: BenchEnv,
  extra: Record<string, string>,
  nodeArgs: string[] = [],
) {
  const port = await freePort();
  const child = start(
    env.serverCpu,
    ['node', ...nodeArgs, join(env.root, 'dist/app/main.js')],
    {
      NODE_ENV: 'production',
      PORT: String(port),
      MONGO_URL: env.mongoUrl,
      REDIS_URL: env.redisUrl,
      ADMIN_PASSWORD,
      LOG_LEVEL: 'info',
      DRAIN_DELAY_MS: '0',
      ...extra,
    },
    '/dev/null',
  );
  await waitForPort(port, 30000);
  return { port, child, url: `http://127.0.0.1:${port}` };
}

/** One of the bare baselines, compiled from stack/bench/servers/. */
export async function baseline(env: BenchEnv, name: string, extra: Record<string, string>) {
  const port = await freePort();
  const script = join(env.dir, 'dist/servers', `${name}.js`);
  const child = start(
    env.serverCpu,
    ['node', script],
    { PORT: String(port), ...extra },
    join(env.dir, `${name}.log`),
  );
  await waitForPort(port, 30000);
  return { port, child, url: `http://127.0.0.1:${port}` };
}

/**
 * nginx with the stack's own template, rendered in its `bench` variant by
 * nginx/render.sh: identical to production but for the rate limit, lifted so the
 * benchmark measures the path and not the limiter.
 */
export async function nginx(env: BenchEnv, upstreamPort: number) {
  const port = await freePort();
  // HTTPS with HTTP/2, on a throwaway self-signed certificate render.sh makes.
  const tlsPort = await freePort();
  const runtime = join(env.dir, 'nginx');
  mkdirSync(runtime, { recursive: true });
  const conf = join(runtime, 'nginx.conf');
  execFileSync('bash', [join(env.root, 'nginx/render.sh'), 'bench', conf], {
    env: {
      ...process.env,
      UPSTREAM_ADDRS: `127.0.0.1:${upstreamPort}`,
      NGINX_RUNTIME_DIR: runtime,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_TLS_LISTEN: `127.0.0.1:${tlsPort}`,
      // Formatted as in production, written nowhere: the disk is not under test.
      NGINX_ACCESS_LOG: '/dev/null',
    },
  });
  const child = start(
    env.sideCpu,
    ['nginx', '-p', runtime, '-c', conf, '-g', 'daemon off;'],
    {},
    join(runtime, 'stdout.log'),
  );
  await waitForPort(port, 30000);
  return { port, child, url: `http://127.0.0.1:${port}`, httpsUrl: `https://127.0.0.1:${tlsPort}` };
}

/** Signs in as the bench admin and creates the project every server will serve. */
export async function seedProject(base: string): Promise<string> {
  const login = await post(base, '/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  const project = await post(
    base,
    '/projects',
    {
      name: 'Riverside library extension',
      budget: 1250000.5,
      currency: 'EUR',
      status: 'in_progress',
      location: 'Lyon, France',
      startDate: '2026-03-01',
      endDate: '2027-06-30',
    },
    login.token as string,
  );
  return project.id as string;
}

async function post(base: string, path: string, json: unknown, token?: string) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(json),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
