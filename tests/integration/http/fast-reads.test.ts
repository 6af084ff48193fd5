import { expect } from 'chai';
import sinon from 'sinon';
import type { PublicUser } from '../../../app/auth/types.js';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { capturingLogger, requestLine } from '../../support/logs.js';
import { rawRequest } from '../../support/raw-http.js';
import { testServers } from '../../support/root-hooks.js';

const ADMIN: PublicUser = { id: 'test-admin', username: 'admin', role: 'admin' };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * The same requests to two replicas, one answering cache hits on the fast path
 * (app/projects/fast-reads.ts) and one with HTTP_FAST_READS=false, so through Koa.
 * Each has a Redis database of its own, so both see the same cache states (a miss is
 * a miss on both) while reading the same MongoDB.
 */
describe('fast path for cached reads', function () {
  this.timeout(30000);
  const lines = { fast: [] as string[], koa: [] as string[] };
  let fast: TestApp;
  let koa: TestApp;
  let peeks: sinon.SinonSpy[];
  let seq = 0;
  const ids = { hit: '', miss: '' };

  before(async () => {
    fast = await startTestApp({}, capturingLogger(lines.fast));
    const redisUrl = `${testServers().redisUrl}/1`;
    koa = await startTestApp(
      { HTTP_FAST_READS: 'false', REDIS_URL: redisUrl },
      capturingLogger(lines.koa),
    );
    await resetData(fast.deps);
    await resetData(koa.deps);
    for (const key of ['hit', 'miss'] as const) {
      const input = { name: `fast ${key}`, budget: 10.5, status: 'planning' as const };
      ids[key] = (await fast.deps.projects.create(input, ADMIN)).id;
    }
    for (const app of [fast, koa])
      for (const path of [`/projects/${ids.hit}`, '/projects?limit=20', '/projects/stats'])
        for (let i = 0; i < 2; i += 1) expect((await call(app.url, path)).status).to.equal(200);
    const reads = fast.deps.cachedReads!;
    peeks = [
      sinon.spy(reads, 'peekById'),
      sinon.spy(reads, 'peekList'),
      sinon.spy(reads, 'peekStats'),
    ];
  });
  after(async () => {
    sinon.restore();
    await fast.stop();
    await koa.stop();
  });

  /** Both replicas' raw responses and log lines for one request, which must be equal. */
  async function same(path: string, headers: Record<string, string> = {}, method = 'GET') {
    seq += 1;
    const id = `cmp-${seq}`;
    const sent = { 'X-Request-ID': id, ...headers };
    const fastRaw = await rawRequest(fast.url, path, sent, method);
    const koaRaw = await rawRequest(koa.url, path, sent, method);
    expect(fastRaw, `${method} ${path}`).to.equal(koaRaw);
    expect(requestLine(lines.fast, id)).to.equal(requestLine(lines.koa, id));
    return fastRaw;
  }

  const answeredFast = () => peeks.flatMap((p) => p.returnValues).filter(Boolean).length;

  /**
   * `same()` for a request the fast replica must answer on its fast path. Its
   * in-process cache is trusted only while its Redis heartbeat is answered, and a
   * starved CPU (CI with Docker builds beside it) can put that in doubt for a moment,
   * when the replica rightly answers through Koa instead: so ask again, a bounded
   * number of times, comparing bytes every time, until the fast path answered.
   */
  async function sameFast(path: string, headers: Record<string, string> = {}) {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const before = answeredFast();
      const raw = await same(path, headers);
      if (answeredFast() > before) return raw;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`${path} was never answered on the fast path`);
  }

  it('when a cached project is read, then the hit, its log line and metric match Koa’s byte for byte', async () => {
    expect(await sameFast(`/projects/${ids.hit}`)).to.match(/^HTTP\/1.1 200 OK\r\n.*X-Cache: HIT/s);
    expect(await sameFast(`/projects/${ids.hit}`, { 'If-None-Match': '"1"' })).to.match(
      /^HTTP\/1.1 304/,
    );
    expect(await sameFast(`/projects/${ids.hit}`, { 'If-None-Match': 'W/"0", "1"' })).to.match(
      / 304 /,
    );
    expect(await sameFast(`/projects/${ids.hit}`, { 'If-None-Match': '"7"' })).to.match(/ 200 OK/);
  });

  it('when a cached list page or the stats are read, then the hits match Koa’s byte for byte', async () => {
    expect(await sameFast('/projects?limit=20')).to.match(/X-Cache: HIT/);
    expect(await sameFast('/projects/stats')).to.match(/X-Cache: HIT/);
  });

  it('when no X-Request-ID is sent, then a fresh id is made, echoed and logged alike', async () => {
    const fastRaw = await rawRequest(fast.url, `/projects/${ids.hit}`);
    const koaRaw = await rawRequest(koa.url, `/projects/${ids.hit}`);
    const [fastId] = fastRaw.match(UUID) ?? [];
    const [koaId] = koaRaw.match(UUID) ?? [];
    expect(fastId, 'generated id').to.be.a('string');
    expect(fastRaw.replace(UUID, '<id>')).to.equal(koaRaw.replace(UUID, '<id>'));
    const masked = (l: string[], id: string) => requestLine(l, id).replace(id, '<id>');
    expect(masked(lines.fast, fastId!)).to.equal(masked(lines.koa, koaId!));
  });

  it('when a read misses, is not found, has a bad id or is a HEAD, then Koa answers alike on both', async () => {
    const before = answeredFast();
    expect(await same(`/projects/${ids.miss}`)).to.match(/X-Cache: MISS/);
    const unknown = 'ffffffffffffffffffffffff';
    expect(await same(`/projects/${unknown}`)).to.match(/^HTTP\/1.1 404.*X-Cache: MISS/s);
    expect(await same(`/projects/${unknown}`)).to.match(/^HTTP\/1.1 404.*X-Cache: HIT/s);
    expect(await same('/projects/not-an-id')).to.match(/^HTTP\/1.1 400/);
    expect(await same('/projects?limit=abc')).to.match(/^HTTP\/1.1 400/);
    expect(await same(`/projects/${ids.hit}`, {}, 'HEAD')).to.match(/^HTTP\/1.1 200/);
    expect(answeredFast() - before, 'answered on the fast path').to.equal(0);
  });

  it('when both served the same requests, then /metrics has the same request series', async () => {
    const series = async (app: TestApp) =>
      String((await call(app.url, '/metrics')).body)
        .split('\n')
        .filter((l) => /^http_request_duration_seconds_(count|bucket)\{/.test(l))
        .filter((l) => !l.includes('route="/metrics"'))
        .map((l) =>
          l.startsWith('http_request_duration_seconds_bucket') ? l.replace(/ \d+$/, '') : l,
        );
    expect(await series(fast)).to.deep.equal(await series(koa));
  });
});
