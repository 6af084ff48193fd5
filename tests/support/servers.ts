import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitForPort } from './ports.js';

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
  ) {
    live.add(this);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
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
  await Promise.all([redis.start(), ferretdb?.start()]);
  return {
    mongoUrl,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    redis,
    ferretdb,
    ferretdbMetricsUrl,
    dataDir,
    async stopAll() {
      await Promise.all([redis.stop(), ferretdb?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
