import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

/** How many ports the twin's nginx lists as replica slots (LOCAL_SLOTS). */
const SLOTS = 6;

/**
 * The local twin (stack/local/) on ports and a state directory of its own, so it runs
 * beside a developer's `make local` and the other tests' servers. Scripts are the ones
 * operators run; this class only passes them the environment.
 */
export class Twin {
  readonly url: string;

  constructor(
    readonly stateDir: string,
    readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${env.LOCAL_HTTP_PORT}`;
  }

  /** `make local`: starts what is not running; replaces a dead replica. */
  async up(): Promise<string> {
    return this.script('up.sh');
  }

  /** `make local-rollout` with LOCAL_VERSION set. */
  async rollout(version: string): Promise<string> {
    return this.script('rollout.sh', { LOCAL_VERSION: version });
  }

  async down(): Promise<string> {
    return this.script('down.sh');
  }

  /** Last resort from a process 'exit' handler, where nothing asynchronous runs. */
  downNow(): void {
    execFileSync('bash', [join(ROOT, 'stack/local/down.sh')], {
      env: this.scriptEnv(),
      stdio: 'ignore',
      timeout: 60000,
    });
  }

  /** port → pid of every replica the twin's pid files list. */
  replicas(): Map<number, number> {
    const dir = join(this.stateDir, 'replicas');
    const found = new Map<number, number>();
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.pid')) continue;
      found.set(Number(name.slice(0, -4)), Number(readFileSync(join(dir, name), 'utf8')));
    }
    return found;
  }

  /** The pid in one of the twin's run/ pid files (redis, mongo, nginx/nginx). */
  pid(name: string): number {
    return Number(readFileSync(join(this.stateDir, 'run', `${name}.pid`), 'utf8'));
  }

  secret(name: 'admin_password' | 'mongo_password' | 'redis_password'): string {
    return readFileSync(join(this.stateDir, 'secrets', name), 'utf8');
  }

  logsDir(): string {
    return join(this.stateDir, 'logs');
  }

  private async script(name: string, extra: Record<string, string> = {}): Promise<string> {
    try {
      const { stdout, stderr } = await run('bash', [join(ROOT, 'stack/local', name)], {
        env: this.scriptEnv(extra),
        timeout: 240000,
      });
      return stdout + stderr;
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`stack/local/${name} failed:\n${stdout}${stderr}`, { cause: err });
    }
  }

  private scriptEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    // MONGO_URL would make the twin use an outside server: the twin brings its own.
    const inherited = { ...process.env };
    delete inherited.MONGO_URL;
    return { ...inherited, ...this.env, ...extra };
  }
}

let shared: Promise<Twin> | undefined;
let started: Twin | undefined;

/** One twin for the whole e2e suite, started by the first test file that asks. */
export function sharedTwin(): Promise<Twin> {
  shared ??= startTwin();
  return shared;
}

async function startTwin(): Promise<Twin> {
  const stateDir = mkdtempSync(join(tmpdir(), 'groundwork-twin-'));
  const base = await freeRange(SLOTS);
  const twin = new Twin(stateDir, {
    LOCAL_STATE_DIR: stateDir,
    LOCAL_HTTP_PORT: String(await freePort()),
    LOCAL_BASE_PORT: String(base),
    LOCAL_SLOTS: String(SLOTS),
    LOCAL_REDIS_PORT: String(await freePort()),
    LOCAL_MONGO_PORT: String(await freePort()),
    LOCAL_FERRETDB_DEBUG_PORT: String(await freePort()),
    LOCAL_VERSION: 'e2e-1',
    LOG_LEVEL: 'info',
  });
  started = twin;
  await twin.up();
  return twin;
}

// Root-level hook (this module is imported by spec files): runs after every e2e test,
// whatever failed. The 'exit' handler covers a run that dies before hooks run.
after(async function stopSharedTwin(this: Mocha.Context) {
  this.timeout(90000);
  const twin = started;
  started = undefined;
  if (!twin) return;
  await twin.down();
  // E2E_KEEP_TWIN=1 keeps the logs and data for a look after a failure.
  if (process.env.E2E_KEEP_TWIN === undefined) {
    rmSync(twin.stateDir, { recursive: true, force: true });
  } else console.log(`      twin state kept in ${twin.stateDir}`);
});
process.on('exit', () => {
  started?.downNow();
});

/** The first of `count` consecutive free ports, from a random start above 20000. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => {
      done(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        done(true);
      });
    });
  });
}
