import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { startEdge, type Edge } from '../support/edge.js';
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

/**
 * The stack's nginx in front of one replica on a free port, for the enclosing describe
 * block; `url()` is its address once started.
 */
function useEdgeInFrontOf(replica: Server): { url: () => string } {
  let edge: Edge | undefined;
  before(async function (this: Mocha.Context) {
    this.timeout(20000);
    const upstream = await freePort();
    await new Promise<void>((done) => replica.listen(upstream, '127.0.0.1', done));
    edge = await startEdge([`127.0.0.1:${upstream}`]);
  });
  after(async function (this: Mocha.Context) {
    this.timeout(10000);
    await edge?.stop();
    replica.close();
  });
  return { url: () => edge!.url };
}

describe('nginx: a read that found no replica is tried once more', () => {
  const seen: string[] = [];
  const edge = useEdgeInFrontOf(flakyReplica(seen));

  it('when a GET gets no answer from the only replica, then nginx asks again and the client gets 200', async () => {
    const reply = await fetch(`${edge.url()}/projects/once`);
    expect(reply.status).to.equal(200);
    expect(seen.filter((line) => line.startsWith('GET /projects/once '))).to.have.length(2);
  });

  it('when a POST gets no answer, then it is not sent again and the client gets the 502 problem', async () => {
    const reply = await fetch(`${edge.url()}/projects`, { method: 'POST', body: '{}' });
    expect(reply.status).to.equal(502);
    expect(reply.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(seen.filter((line) => line.startsWith('POST /projects '))).to.have.length(1);
  });
});

describe('nginx: a read that timed out on every replica is tried once more', () => {
  const seen: string[] = [];
  const edge = useEdgeInFrontOf(silentReplica(seen));

  it('when a GET hears nothing for 5 s from the only replica, then nginx asks again and the client gets 200', async function () {
    this.timeout(30000);
    const reply = await fetch(`${edge.url()}/projects/silent`);
    expect(reply.status).to.equal(200);
    expect(seen.filter((line) => line.startsWith('GET /projects/silent '))).to.have.length(2);
  });
});
