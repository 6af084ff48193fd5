import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { startEdge } from '../support/edge.js';
import { freePort } from '../support/ports.js';

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

/** The stack's nginx in front of one replica listening on a free port. */
async function edgeInFrontOf(replica: Server) {
  const upstream = await freePort();
  await new Promise<void>((done) => replica.listen(upstream, '127.0.0.1', done));
  const edge = await startEdge([`127.0.0.1:${upstream}`]);
  return {
    url: edge.url,
    async stop() {
      await edge.stop();
      replica.close();
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
