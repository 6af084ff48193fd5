import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Finished } from '../../../app/http/request-log.js';
import {
  createLoadShedder,
  sampleEventLoopDelay,
  type LoadShedder,
} from '../../../app/http/load-shedding.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../../support/wait-until.js';
import { stopwatch } from '../../support/latency.js';

/** In-process waits: a try every 5 ms. */
const OFTEN = { everyMs: 5 };

describe('load shedding', () => {
  let server: Server;
  let base: string;
  let shedder: LoadShedder;
  let delayMs = 0;
  const held: ServerResponse[] = [];
  const logged: Finished[] = [];

  beforeEach(async () => {
    delayMs = 0;
    logged.length = 0;
    const limits = {
      maxInFlight: 2,
      latencyTargetMs: 0,
      maxEventLoopDelayMs: 50,
      trustProxy: false,
      ownBulkhead: new Set(['/projects']),
    };
    shedder = createLoadShedder(
      limits,
      (f) => logged.push(f),
      () => delayMs,
    );
    // Admitted requests are held until the test lets them go.
    server = createServer((req, res) => {
      if (!shedder.refuse(req, res)) held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const res of held.splice(0)) res.end();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const release = () => {
    for (const res of held.splice(0)) res.end('done');
  };

  it('when maxInFlight requests are being worked on, then the next is a 503 problem with Retry-After, logged, until one finishes', async () => {
    void fetch(`${base}/projects/a`);
    void fetch(`${base}/projects/b`, { method: 'PATCH' });
    await waitUntil('two requests admitted', 3000, () => shedder.inFlight() === 2, OFTEN);
    const refused = await fetch(`${base}/projects/c`, { headers: { 'x-request-id': 'req-1' } });
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('content-type')).to.equal('application/problem+json; charset=utf-8');
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.headers.get('x-request-id')).to.equal('req-1');
    expect(await refused.json()).to.deep.equal({
      type: 'https://groundwork.dev/problems/overloaded',
      title: 'Service overloaded',
      status: 503,
      detail: 'This replica is at capacity; retry after Retry-After seconds',
    });
    expect(logged.map((f) => [f.path, f.route, f.status, f.requestId])).to.deep.equal([
      ['/projects/c', 'shed', 503, 'req-1'],
    ]);
    release();
    await waitUntil('the held requests finished', 3000, () => shedder.inFlight() === 0, OFTEN);
    void fetch(`${base}/projects/d`);
    await waitUntil('a new request admitted', 3000, () => shedder.inFlight() === 1, OFTEN);
  });

  it('when list pages (under a bulkhead of their own) are in progress, then they count nowhere here and by-id reads are still admitted; past the limit lists are admitted, by-id reads are not', async () => {
    const lists = ['/projects?q=a', '/projects/?q=b', '/projects', '/projects?q=d'];
    for (const path of lists) void fetch(base + path);
    await waitUntil('the list pages admitted', 3000, () => held.length === 4, OFTEN);
    expect(shedder.inFlight()).to.equal(0);
    void fetch(`${base}/projects/a`);
    void fetch(`${base}/projects/b`, { method: 'PATCH' });
    await waitUntil('two by-id requests admitted', 3000, () => shedder.inFlight() === 2, OFTEN);
    expect((await fetch(`${base}/projects/c`)).status).to.equal(503);
    void fetch(`${base}/projects?q=e`);
    await waitUntil('a list page admitted past the limit', 3000, () => held.length === 7, OFTEN);
    expect(shedder.inFlight()).to.equal(2);
    expect((await fetch(`${base}/projects?q=f`, { method: 'POST' })).status, 'not a GET').to.equal(
      503,
    );
    delayMs = 51;
    expect((await fetch(`${base}/projects?q=g`)).status, 'the loop late').to.equal(503);
  });

  it('when the event loop is late past the limit, then requests are refused; health and metrics never are', async () => {
    delayMs = 51;
    expect((await fetch(`${base}/version`)).status).to.equal(503);
    const exempt = ['/healthz', '/readyz', '/metrics'].map((path) => fetch(`${base}${path}`));
    await waitUntil('the internal endpoints admitted', 3000, () => held.length === 3, OFTEN);
    release();
    expect((await Promise.all(exempt)).map((r) => r.status)).to.deep.equal([200, 200, 200]);
    delayMs = 50;
    const admitted = fetch(`${base}/version`);
    await waitUntil('admitted at the limit', 3000, () => held.length === 1, OFTEN);
    release();
    expect((await admitted).status).to.equal(200);
  });

  it('when every turn of the event loop takes 50 ms for a second, then the sampled delay shows it, and falls back once the loop runs freely', async () => {
    const delay = sampleEventLoopDelay(100, 3);
    try {
      await sleep(150); // the sampler's first tick only starts its clock
      let seen = 0;
      for (let turn = 0; turn < 20; turn += 1) {
        const busy = stopwatch();
        while (busy.ms() < 50); // a turn of busy work: nothing else runs
        await new Promise((resolve) => setImmediate(resolve));
        seen = Math.max(seen, delay.ms());
      }
      expect(seen).to.be.above(25);
      await waitUntil('the delay back under 10 ms', 3000, () => delay.ms() < 10, OFTEN);
    } finally {
      delay.close();
    }
  });

  it('when the event loop stalls once for 300 ms and then runs freely, then the sampled delay never shows it: one stall is not saturation', async () => {
    const delay = sampleEventLoopDelay(100, 3);
    try {
      await sleep(450); // three quiet windows
      const stall = stopwatch();
      while (stall.ms() < 300); // one long stall
      let seen = 0;
      for (let tick = 0; tick < 8; tick += 1) {
        await sleep(50);
        seen = Math.max(seen, delay.ms());
      }
      expect(seen).to.be.below(10);
    } finally {
      delay.close();
    }
  });
});
