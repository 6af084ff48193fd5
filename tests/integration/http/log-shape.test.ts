import { expect } from 'chai';
import type { PublicUser } from '../../../app/auth/types.js';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { capturingLogger, requestLine } from '../../support/logs.js';

const ADMIN: PublicUser = { id: 'test-admin', username: 'admin', role: 'admin' };
const BUCKETS = [
  '0.001',
  '0.0025',
  '0.005',
  '0.01',
  '0.025',
  '0.05',
  '0.1',
  '0.25',
  '0.5',
  '1',
  '2.5',
];

/**
 * What a reader of `docker service logs` or of /metrics sees, to the character: the
 * request line's keys, their order and types, and the request histogram's series. A
 * change to either is a change for every dashboard and log query built on them.
 */
describe('request log line and metrics shape', () => {
  const lines: string[] = [];
  let app: TestApp;
  let id: string;

  before(async () => {
    app = await startTestApp({}, capturingLogger(lines));
    await resetData(app.deps);
    const input = { name: 'shape', budget: 1, status: 'planning' as const };
    id = (await app.deps.projects.create(input, ADMIN)).id;
  });
  after(async () => {
    await app.stop();
  });

  const line = (fields: string) =>
    `{${fields},"level":"info","message":"request","method":"GET",` +
    `"path":"/projects/${id}","requestId":"shape-X","status":200,"timestamp":"<time>"}`;

  it('when a project is read (miss, then hit), then each log line has exactly the documented fields, sorted', async () => {
    for (const [n, cache] of [
      [1, 'MISS'],
      [2, 'HIT'],
    ] as const) {
      await call(app.url, `/projects/${id}`, { headers: { 'x-request-id': `shape-${n}` } });
      const expected = line(
        `"cache":"${cache}","clientIp":"::ffff:127.0.0.1","durationMs":<ms>`,
      ).replace('shape-X', `shape-${n}`);
      expect(requestLine(lines, `shape-${n}`)).to.equal(expected);
    }
  });

  it('when a route does not exist, then the line has no cache field and names the path', async () => {
    await call(app.url, '/nowhere', { headers: { 'x-request-id': 'shape-404' } });
    expect(requestLine(lines, 'shape-404')).to.equal(
      '{"clientIp":"::ffff:127.0.0.1","durationMs":<ms>,"level":"info","message":"request","method":"GET","path":"/nowhere",' +
        '"requestId":"shape-404","status":404,"timestamp":"<time>"}',
    );
  });

  it('when /metrics is scraped, then the request histogram has its help, type, buckets, sum and count', async () => {
    await call(app.url, `/projects/${id}`);
    const text = String((await call(app.url, '/metrics')).body);
    const labels = 'method="GET",route="/projects/:id",status="200"';
    const series = text
      .split('\n')
      .filter((l) => l.startsWith('# ') || l.includes(labels))
      .filter((l) => l.includes('http_request_duration_seconds'))
      .map((l) => l.replace(/ [0-9.e+-]+$/, ' <n>'));
    expect(series).to.deep.equal([
      '# HELP http_request_duration_seconds Request duration by method, route and status',
      '# TYPE http_request_duration_seconds histogram',
      ...[...BUCKETS, '+Inf'].map(
        (le) => `http_request_duration_seconds_bucket{le="${le}",${labels}} <n>`,
      ),
      `http_request_duration_seconds_sum{${labels}} <n>`,
      `http_request_duration_seconds_count{${labels}} <n>`,
    ]);
    expect(text).to.contain('# TYPE cache_events_total counter');
    expect(text).to.match(/^cache_events_total\{tier="l[12]",result="hit"\} \d+$/m);
  });
});
