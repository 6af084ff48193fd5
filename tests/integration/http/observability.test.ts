import { expect } from 'chai';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { capturingLogger } from '../../support/logs.js';
import { signUp, ADMIN_PASSWORD } from '../../support/sign-up.js';
import { stopwatch } from '../../support/latency.js';

describe('health, version, metrics, docs and logs', () => {
  let app: TestApp;
  const lines: string[] = [];

  before(async () => {
    app = await startTestApp(
      { APP_VERSION: '9.9.9', APP_COMMIT: 'abc123' },
      capturingLogger(lines),
    );
    await resetData(app.deps);
  });
  after(async () => {
    await app.stop();
  });

  it('when asked, then /healthz is 200 and /readyz is 200 naming each dependency', async () => {
    expect((await call(app.url, '/healthz')).status).to.equal(200);
    const ready = await call(app.url, '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({
      ready: true,
      status: 'ready',
      dependencies: { mongodb: 'up', redis: 'up' },
    });
  });

  it('when asked, then /version names the build', async () => {
    expect((await call(app.url, '/version')).body).to.deep.equal({
      version: '9.9.9',
      commit: 'abc123',
    });
  });

  it('when requests were served, then /metrics has durations, cache, rate-limit and dependency series', async () => {
    await call(app.url, '/projects');
    await call(app.url, '/readyz');
    const metrics = await call(app.url, '/metrics');
    expect(metrics.status).to.equal(200);
    expect(metrics.headers.get('content-type')).to.match(/^text\/plain/);
    const text = String(metrics.body);
    expect(text).to.match(/http_request_duration_seconds_bucket\{[^}]*route="\/projects"/);
    expect(text).to.contain('# TYPE cache_events_total counter');
    expect(text).to.contain('# TYPE rate_limit_rejections_total counter');
    expect(text).to.match(/dependency_up\{dependency="mongodb"\} 1/);
  });

  it('when only /metrics is scraped, then it probes the dependencies itself and names the build', async () => {
    const text = String((await call(app.url, '/metrics')).body);
    expect(text).to.match(/dependency_up\{dependency="mongodb"\} 1/);
    expect(text).to.match(/dependency_up\{dependency="redis"\} 1/);
    expect(text).to.contain('groundwork_build_info{version="9.9.9",commit="abc123"} 1');
  });

  it('when Redis is unreachable and nobody asks /readyz, then the next scrape of /metrics says dependency_up 0 for redis, at once', async () => {
    const other = await startTestApp();
    try {
      other.deps.redis.disconnect();
      const started = stopwatch();
      const text = String((await call(other.url, '/metrics')).body);
      expect(text).to.match(/dependency_up\{dependency="redis"\} 0/);
      expect(text).to.match(/dependency_up\{dependency="mongodb"\} 1/);
      // The Redis probe waits REDIS_TIMEOUT_MS at most; generous bound, catches a hang.
      expect(started.ms()).to.be.below(5000);
    } finally {
      await other.stop();
    }
  });

  it('when /openapi.json and /docs are fetched, then an OpenAPI 3.1 document and a page that renders it, with no outside URL', async () => {
    const doc = await call(app.url, '/openapi.json');
    expect(doc.body.openapi).to.equal('3.1.0');
    expect(Object.keys(doc.body.paths)).to.include.members([
      '/projects',
      '/projects/{id}',
      '/projects/stats',
      '/auth/login',
    ]);
    const page = await call(app.url, '/docs');
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(String(page.body)).not.to.match(/https?:\/\//);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      expect((await call(app.url, asset)).status, asset).to.equal(200);
    }
  });

  it('when a request carries X-Request-ID, then the response and its JSON log line carry it, and no secret is logged', async () => {
    lines.length = 0;
    const { token } = await signUp(app.url, 'logged');
    await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const reply = await call(app.url, '/auth/me', {
      token,
      headers: { 'x-request-id': 'req-from-nginx-123' },
    });
    expect(reply.headers.get('x-request-id')).to.equal('req-from-nginx-123');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const entry = entries.find((e) => e.requestId === 'req-from-nginx-123');
    expect(entry).to.include({
      level: 'info',
      message: 'request',
      method: 'GET',
      path: '/auth/me',
      status: 200,
    });
    expect(entry?.durationMs).to.be.a('number');
    expect(entry?.timestamp).to.be.a('string');
    const all = lines.join('\n');
    expect(all).not.to.contain(token);
    expect(all).not.to.contain(ADMIN_PASSWORD);
    expect(all).not.to.contain('a long enough password');
  });

  it('when X-Request-ID is not a plain token, then a fresh id replaces it', async () => {
    const reply = await call(app.url, '/version', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(reply.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });
});
