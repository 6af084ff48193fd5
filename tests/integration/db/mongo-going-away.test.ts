import { expect } from 'chai';
import { Collection, FindCursor, MongoServerError } from 'mongodb';
import sinon from 'sinon';
import { MONGO_UNAVAILABLE_CODES } from '../../../app/db/mongo-errors.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';

/** What a server stepping down or shutting down answers, as the driver raises it. */
function serverError(code: number, labels: string[] = []): MongoServerError {
  return new MongoServerError({
    ok: 0,
    code,
    codeName: MONGO_UNAVAILABLE_CODES.get(code) ?? 'Unknown',
    errmsg: `injected ${code} from mongod-test-host:27017`,
    errorLabels: labels,
  });
}

type Method = 'findOne' | 'findOneAndUpdate' | 'insertOne' | 'deleteOne';

/**
 * Makes the next `times` calls of a projects-collection method fail with `err`, after
 * the real call when `after` (an interruption that came once the server had applied
 * it). Returns how many times the method was called on projects.
 */
function failProjects(method: Method, err: Error, times = Infinity, after = false) {
  // Called with the collection as `this` below, exactly as the driver would.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Collection.prototype[method] as (...a: unknown[]) => Promise<unknown>;
  const calls = { count: 0 };
  (sinon.stub(Collection.prototype, method) as sinon.SinonStub).callsFake(async function (
    this: Collection,
    ...args: unknown[]
  ) {
    if (this.collectionName !== 'projects') return original.apply(this, args);
    calls.count += 1;
    if (calls.count > times) return original.apply(this, args);
    if (after) await original.apply(this, args);
    throw err;
  });
  return calls;
}

describe('MongoDB going away: a 503 with Retry-After, never a 500', function () {
  this.timeout(30000);
  // Straight to MongoDB (no cache, whose stale-if-error would answer instead), and
  // writes are what is tested here, not the per-user write limit.
  const app = useTestApp({ CACHE_ENABLED: 'false', RATE_LIMIT_SCALE: '1000' });
  let token = '';
  let id = '';
  /** POST /projects as the signed-in member. */
  const create = (json: object, headers: Record<string, string> = {}) =>
    call(app.url, '/projects', { method: 'POST', token, json, headers });

  resetBeforeEach(app, async () => {
    token = (await signUp(app.url, 'away')).token;
    const created = await create({ name: 'Depot', budget: 10, status: 'planning' });
    expect(created.status).to.equal(201);
    id = (created.body as { id: string }).id;
  });
  afterEach(() => {
    sinon.restore();
  });

  const patchBudget = () =>
    call(app.url, `/projects/${id}`, { method: 'PATCH', token, json: { budget: 20 } });

  function expectUnavailable(reply: Awaited<ReturnType<typeof call>>) {
    expectProblem(reply, 503);
    expect(Number(reply.headers.get('retry-after'))).to.be.at.least(1);
    expect(JSON.stringify(reply.body)).not.to.include('injected');
  }

  for (const [code, name] of MONGO_UNAVAILABLE_CODES) {
    it(`when a by-id read and a list page fail with ${code} ${name}, then each is a 503 problem with Retry-After`, async () => {
      failProjects('findOne', serverError(code));
      sinon.stub(FindCursor.prototype, 'toArray').rejects(serverError(code));
      expectUnavailable(await call(app.url, `/projects/${id}`));
      expectUnavailable(await call(app.url, '/projects?q=dep'));
    });
  }

  it('when an error carries only the RetryableWriteError label, then a 503 with Retry-After', async () => {
    failProjects('findOne', serverError(2, ['RetryableWriteError']));
    expectUnavailable(await call(app.url, `/projects/${id}`));
  });

  it('when a PATCH meets a NotWritablePrimary once, then it is sent again and applied once', async () => {
    const calls = failProjects('findOneAndUpdate', serverError(10107), 1);
    const reply = await patchBudget();
    expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
    expect(reply.body).to.include({ budget: 20, version: 2 });
    expect(calls.count).to.equal(2);
  });

  it('when a PATCH is interrupted by a shutdown, then a 503 and it is not sent again blindly', async () => {
    const calls = failProjects('findOneAndUpdate', serverError(11600), 1);
    const reply = await patchBudget();
    expectUnavailable(reply);
    expect(calls.count).to.equal(1);
  });

  it('when a DELETE meets a NotPrimaryNoSecondaryOk on every try, then a 503 after one retry', async () => {
    const calls = failProjects('deleteOne', serverError(13435));
    expectUnavailable(await call(app.url, `/projects/${id}`, { method: 'DELETE', token }));
    expect(calls.count).to.equal(2);
  });

  it('when a create without Idempotency-Key is interrupted after it landed, then a 503 and no second project', async () => {
    const calls = failProjects('insertOne', serverError(189), 1, true);
    const reply = await create({ name: 'Bridge', budget: 5, status: 'planning' });
    expectUnavailable(reply);
    expect(calls.count).to.equal(1);
    expect(await app.deps.db.collection('projects').countDocuments({ name: 'Bridge' })).to.equal(1);
  });

  it('when a create with an Idempotency-Key is interrupted after it landed, then it is retried once and gives one project with 201', async () => {
    const calls = failProjects('insertOne', serverError(11602), 1, true);
    const reply = await create(
      { name: 'School', budget: 5, status: 'planning' },
      { 'idempotency-key': 'step-down-1' },
    );
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    expect(calls.count).to.equal(2);
    expect(await app.deps.db.collection('projects').countDocuments({ name: 'School' })).to.equal(1);
  });
});
