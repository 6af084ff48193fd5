import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { freePort } from '../../support/ports.js';
import { testServers } from '../../support/root-hooks.js';
import { waitUntil } from '../../support/wait-until.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The real entry point, as a separate process, so signals and exit codes are real. */
async function startProcess(
  port: number,
  drainMs: number,
): Promise<{ child: ChildProcess; logs: () => string }> {
  const servers = testServers();
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      MONGO_URL: servers.mongoUrl,
      REDIS_URL: servers.redisUrl,
      DRAIN_DELAY_MS: String(drainMs),
      SHUTDOWN_TIMEOUT_MS: '15000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  try {
    await waitUntil('/readyz answers 200', 20000, ready, { everyMs: 100 });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`app did not become ready: ${output}`, { cause: err });
  }
  return { child, logs: () => output };
}

describe('graceful shutdown', () => {
  it('when SIGTERM arrives mid-request, then /readyz turns 503 first, the request completes, and the process exits 0', async function () {
    this.timeout(40000);
    const port = await freePort();
    const { child, logs } = await startProcess(port, 1500);
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        done(code);
      }),
    );

    // A registration whose body arrives in two halves: in flight across the signal.
    const body = JSON.stringify({
      username: `drain_${process.pid}`,
      password: 'a long enough password',
    });
    const inFlight = new Promise<{ status: number; text: string }>((done, fail) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/auth/register',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            done({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('error', fail);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 2500);
    });
    await sleep(200);

    child.kill('SIGTERM');
    await sleep(300);
    const during = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(during.status, 'readyz while draining').to.equal(503);
    expect(((await during.json()) as { status: string }).status).to.equal('draining');

    const reply = await inFlight;
    expect(reply.status, reply.text).to.equal(201);
    expect(await exited, logs()).to.equal(0);
    expect(logs()).to.match(/"message":"draining"/);
    expect(logs()).to.match(/"message":"stopped"/);
  });

  it('when a variable is invalid, then the process exits non-zero with one JSON log line naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).to.equal(1);
    const lines = stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.include({ level: 'error' });
    expect(JSON.parse(lines[0]!).message).to.match(/^configuration error: PORT: /);
  });
});
