import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { freePort, waitForPort } from './ports.js';
import { waitUntil } from './wait-until.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FERRETDB = process.env.FERRETDB_BIN ?? join(ROOT, '.local/bin/ferretdb');

/**
 * A real server process the tests own: started on a free port with its own data
 * directory, stoppable and restartable on the same port (fault tests do that), and
 * always killed when the test process exits.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    live.add(this);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(this.command, this.args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: this.env,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.child = child;
    const gone = () => {
      if (this.child === child) this.child = undefined;
    };
    child.once('exit', gone);
    // A binary that cannot be spawned (not installed yet) is an 'error', not an 'exit'.
    child.once('error', (error) => {
      stderr += error.message;
      gone();
    });
    await waitForPort(this.port, 15000, () =>
      this.child ? undefined : `${this.name} exited: ${stderr}`,
    );
  }

  /** SIGKILL, like a crash: no goodbye to connected clients. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}

const live = new Set<ServerProcess>();
process.on('exit', () => {
  for (const server of live) server.killNow();
});

export interface TestServers {
  mongoUrl: string;
  redisUrl: string;
  redis: ServerProcess;
  /** undefined when MONGO_URL points the tests at an outside mongod. */
  ferretdb: ServerProcess | undefined;
  /** FerretDB's Prometheus endpoint, for counting the commands it served. */
  ferretdbMetricsUrl: string | undefined;
  dataDir: string;
  stopAll(): Promise<void>;
}

export async function startTestServers(): Promise<TestServers> {
  const dataDir = mkdtempSync(join(tmpdir(), 'groundwork-test-'));
  const redisPort = await freePort();
  const redis = new ServerProcess('redis', redisPort, 'redis-server', [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ]);
  let ferretdb: ServerProcess | undefined;
  let ferretdbMetricsUrl: string | undefined;
  let mongoUrl = process.env.MONGO_URL;
  if (mongoUrl === undefined || mongoUrl === '') {
    const port = await freePort();
    const debugPort = await freePort();
    ferretdb = new ServerProcess('ferretdb', port, FERRETDB, [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}`,
      '--telemetry=disable',
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--log-level=error',
    ]);
    mongoUrl = `mongodb://127.0.0.1:${port}/groundwork_test`;
    ferretdbMetricsUrl = `http://127.0.0.1:${debugPort}/debug/metrics`;
  }
  const stopAll = async () => {
    await Promise.all([redis.stop(), ferretdb?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = await Promise.allSettled([redis.start(), ferretdb?.start()]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // Mocha runs no afterAll when beforeAll fails: stop the one that did start here.
    await stopAll();
    throw failed.reason;
  }
  return {
    mongoUrl,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    redis,
    ferretdb,
    ferretdbMetricsUrl,
    dataDir,
    stopAll,
  };
}

/** A Redis role's settings, as docker-stack.yml gives them to the entrypoint script. */
export interface RedisRole {
  maxmemory: string;
  policy: 'noeviction' | 'allkeys-lru';
  appendonly: 'yes' | 'no';
}

/** The ACL user stack/swarm/redis-entrypoint.sh gives the app (docker-stack.yml's URLs). */
export const REDIS_APP_USER = 'groundwork';

export interface RoleRedis {
  server: ServerProcess;
  /** As the app's user, with the password in it. */
  url: string;
  password: string;
  /** As a user allowed everything, for tests that look inside (KEYS, INFO, FLUSHALL). */
  operatorUrl: string;
  stop(): Promise<void>;
}

/**
 * A second Redis for one describe block, configured by the stack's own entrypoint
 * (stack/swarm/redis-entrypoint.sh) with the app's ACL user, on its own port and directory:
 * so a test runs exactly the settings the stack deploys, scaled down.
 */
export async function startRedisAs(
  role: RedisRole,
  /** A second password, as the secret mounted during a rotation (secrets/README.md). */
  incoming?: string,
): Promise<RoleRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-redis-'));
  const port = await freePort();
  const password = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'password'), password, { mode: 0o600 });
  if (incoming !== undefined) writeFileSync(join(dir, 'incoming'), incoming, { mode: 0o600 });
  const env = {
    ...process.env,
    REDIS_CONF: join(dir, 'redis.conf'),
    REDIS_SECRET_FILE: join(dir, 'password'),
    REDIS_EXTRA_SECRET_FILE: join(dir, 'incoming'),
    REDIS_PORT: String(port),
    REDIS_BIND: '127.0.0.1',
    REDIS_DIR: dir,
    REDIS_MAXMEMORY: role.maxmemory,
    REDIS_MAXMEMORY_POLICY: role.policy,
    REDIS_APPENDONLY: role.appendonly,
    // The stack pairs them so: the state Redis never evicts, the cache does.
    REDIS_ROLE: role.policy === 'noeviction' ? 'state' : 'cache',
  };
  const script = join(ROOT, 'stack/swarm/redis-entrypoint.sh');
  // The stack has no such user; on the command line is fine for a test password.
  const operator = randomBytes(16).toString('hex');
  const operatorUser = ['--user', 'operator', 'on', `>${operator}`, '~*', '&*', '+@all'];
  const server = new ServerProcess(
    `redis (${role.policy})`,
    port,
    '/bin/sh',
    [script, ...operatorUser],
    env,
  );
  await server.start();
  return {
    server,
    url: `redis://${REDIS_APP_USER}:${password}@127.0.0.1:${port}`,
    password,
    operatorUrl: `redis://operator:${operator}@127.0.0.1:${port}`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A numeric field of Redis INFO (used_memory, evicted_keys, total_net_input_bytes...). */
export async function infoField(redis: Redis, field: string): Promise<number> {
  const info = await redis.info();
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`Redis INFO has no ${field}`);
  return Number(line.slice(field.length + 1));
}

/** ioredis reconnects on its own (back-off up to 500 ms); waits for it, not longer. */
export async function redisReady(redis: Redis, timeoutMs = 10000): Promise<void> {
  const ready = async () => redis.status === 'ready' && (await redis.ping());
  await waitUntil('Redis answers again', timeoutMs, ready, { everyMs: 50 });
}
