import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitForPort } from '../support/ports.js';
import { ROOT } from './stack-file.js';

/**
 * A replica that drops the first connection of every request line it has not seen
 * yet without answering (as one that dies mid-request does) and answers the next
 * try: nginx, with only this one upstream, has no next upstream to fail over to.
 */
function flakyReplica(seen: string[]): Server {
  return createServer((socket) => {
    socket.once('data', (chunk) => {
      const line = chunk.toString().split('\r\n')[0]!;
      seen.push(line);
      if (seen.filter((l) => l === line).length === 1) socket.destroy();
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
}

/**
 * A replica that says nothing to the first request of every request line it has not
 * seen yet and keeps the connection open (as one on a node that vanished does), and
 * answers the next try.
 */
function silentReplica(seen: string[]): Server {
  return createServer((socket) => {
    socket.once('data', (chunk) => {
      const line = chunk.toString().split('\r\n')[0]!;
      seen.push(line);
      if (seen.filter((l) => l === line).length > 1)
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    socket.on('error', () => undefined);
  });
}

/**
 * The stack's nginx (the `check` rendering) in front of one replica, on free ports.
 * stop() asks the master to stop (SIGTERM), which takes its workers with it: a
 * SIGKILLed master leaves them running, listening, after the test.
 */
async function edgeInFrontOf(replica: Server) {
  const upstream = await freePort();
  const listen = await freePort();
  const tlsListen = await freePort();
  await new Promise<void>((done) => replica.listen(upstream, '127.0.0.1', done));
  const dir = mkdtempSync(join(tmpdir(), 'nginx-read-again-'));
  execFileSync('bash', [join(ROOT, 'nginx/render.sh'), 'check', join(dir, 'nginx.conf')], {
    env: {
      ...process.env,
      NGINX_RUNTIME_DIR: dir,
      UPSTREAM_ADDRS: `127.0.0.1:${upstream}`,
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
      replica.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('nginx: a read that found no replica is tried once more', () => {
  const seen: string[] = [];
  let edge: Awaited<ReturnType<typeof edgeInFrontOf>>;
  let url: string;
  before(async function (this: Mocha.Context) {
    this.timeout(20000);
    edge = await edgeInFrontOf(flakyReplica(seen));
    url = edge.url;
  });
  after(async function (this: Mocha.Context) {
    this.timeout(10000);
    await edge.stop();
  });

  it('when a GET gets no answer from the only replica, then nginx asks again and the client gets 200', async () => {
    const reply = await fetch(`${url}/projects/once`);
    expect(reply.status).to.equal(200);
    expect(seen.filter((line) => line.startsWith('GET /projects/once '))).to.have.length(2);
  });

  it('when a POST gets no answer, then it is not sent again and the client gets the 502 problem', async () => {
    const reply = await fetch(`${url}/projects`, { method: 'POST', body: '{}' });
    expect(reply.status).to.equal(502);
    expect(reply.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(seen.filter((line) => line.startsWith('POST /projects '))).to.have.length(1);
  });
});

describe('nginx: a read that timed out on every replica is tried once more', () => {
  const seen: string[] = [];
  let edge: Awaited<ReturnType<typeof edgeInFrontOf>>;
  let url: string;
  before(async function (this: Mocha.Context) {
    this.timeout(20000);
    edge = await edgeInFrontOf(silentReplica(seen));
    url = edge.url;
  });
  after(async function (this: Mocha.Context) {
    this.timeout(10000);
    await edge.stop();
  });

  it('when a GET hears nothing for 5 s from the only replica, then nginx asks again and the client gets 200', async function () {
    this.timeout(30000);
    const reply = await fetch(`${url}/projects/silent`);
    expect(reply.status).to.equal(200);
    expect(seen.filter((line) => line.startsWith('GET /projects/silent '))).to.have.length(2);
  });
});
