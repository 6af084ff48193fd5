import { expect } from 'chai';
import { fingerprintOf } from '../../../app/projects/idempotency-key.js';
import {
  createIdempotencyStore,
  IDEMPOTENCY_COLLECTION,
  type IdempotencyStore,
} from '../../../app/projects/idempotency-store.js';
import { createIdempotentCreates } from '../../../app/projects/idempotent-create.js';
import { createProjectsRepository } from '../../../app/projects/repository.js';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call, expectProblem, type Reply } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';
import { stopwatch } from '../../support/latency.js';

const body = { name: 'Dam repair', budget: 500, status: 'planning' } as const;
const fields = {
  name: 'Dam repair',
  budgetCents: 50000,
  currency: 'USD',
  status: 'planning',
} as const;

describe('projects: idempotent creates across three replicas', () => {
  let apps: TestApp[];
  let store: IdempotencyStore;
  let alice: { token: string; id: string };

  before(async () => {
    // Lifted limits: these tests send more writes per minute than one user may.
    apps = await Promise.all([1, 2, 3].map(() => startTestApp({ RATE_LIMIT_SCALE: '1000' })));
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  });
  beforeEach(async () => {
    await resetData(apps[0]!.deps);
    store = createIdempotencyStore(apps[0]!.deps.db);
    alice = await signUp(apps[0]!.url, 'alice');
  });

  function post(replica: number, key: string, json: object = body): Promise<Reply<any>> {
    const base = apps[replica % apps.length]!.url;
    const headers = { 'idempotency-key': key };
    return call(base, '/projects', { method: 'POST', token: alice.token, json, headers });
  }
  const projectCount = () => apps[0]!.deps.db.collection('projects').countDocuments();
  const scope = (key: string) => ({ userId: alice.id, key, fingerprint: fingerprintOf(body) });

  it('when 60 requests with 5 keys race over three replicas, then each key creates exactly one project and every request gets its 201', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const started = stopwatch();
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post(i, keys[i % keys.length]!)),
    );
    const elapsed = started.ms();
    expect(replies.map((r) => r.status)).to.deep.equal(replies.map(() => 201));
    for (const key of keys) {
      const ids = new Set(
        replies.filter((_, i) => keys[i % keys.length] === key).map((r) => r.body.id),
      );
      expect(ids.size, key).to.equal(1);
    }
    expect(await projectCount()).to.equal(5);
    const records = await apps[0]!.deps.db.collection(IDEMPOTENCY_COLLECTION).find().toArray();
    expect(records.map((r) => r.state)).to.deep.equal(keys.map(() => 'done'));
    const replayed = replies.filter((r) => r.headers.get('idempotent-replayed') === 'true').length;
    console.log(
      `      60 racing requests, 5 keys: ${replayed} replayed, ${elapsed.toFixed(0)} ms in all`,
    );
  });

  it('when racing requests share a key but not a body, then one body wins: its senders get the 201, the others 422', async () => {
    const other = { ...body, budget: 501 };
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(i, 'contested', i % 2 ? other : body)),
    );
    expect(await projectCount()).to.equal(1);
    const created = replies.filter((r) => r.status === 201);
    const winner = created[0]!.body.budget as number;
    expect(created.map((r) => r.body.budget)).to.deep.equal(created.map(() => winner));
    expect(created).to.have.length(6);
    for (const reply of replies.filter((r) => r.status !== 201)) expectProblem(reply, 422);
  });

  it('when the replica that claimed a key died before creating, then a retry creates the project once, under the claimed id', async () => {
    const claimed = await store.claim(scope('orphan'), 0);
    const retry = await post(1, 'orphan');
    expect(retry.status).to.equal(201);
    expect(retry.body.id).to.equal(claimed!.projectId);
    expect(await projectCount()).to.equal(1);
    expect((await post(2, 'orphan')).body.id).to.equal(claimed!.projectId);
  });

  it('when the claimant died after inserting the project but before recording it, then a retry returns that project and creates no other', async () => {
    const claimed = await store.claim(scope('half-done'), 0);
    const repository = createProjectsRepository(apps[0]!.deps.db);
    const inserted = await repository.insert(fields, alice.id, claimed!.projectId);
    const retry = await post(1, 'half-done');
    expect(retry.status).to.equal(201);
    expect(retry.body).to.deep.equal(inserted);
    expect(await projectCount()).to.equal(1);
  });

  it('when the first request is still in flight, then a retry waits and returns its answer', async () => {
    const claimed = await store.claim(scope('in-flight'), 60_000);
    const repository = createProjectsRepository(apps[0]!.deps.db);
    const finish = (async () => {
      await new Promise((done) => setTimeout(done, 300));
      await store.complete(claimed!, await repository.insert(fields, alice.id, claimed!.projectId));
    })();
    const started = stopwatch();
    const retry = await post(2, 'in-flight');
    await finish;
    expect(retry.status).to.equal(201);
    expect(retry.body.id).to.equal(claimed!.projectId);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    expect(started.ms()).to.be.at.least(250);
    expect(await projectCount()).to.equal(1);
  });

  it('when the first request stays in flight past the wait, then 409 with Retry-After and nothing is created', async function () {
    this.timeout(10_000);
    await store.claim(scope('stuck'), 60_000);
    const started = stopwatch();
    const reply = await post(1, 'stuck');
    const waited = started.ms();
    expect(expectProblem(reply, 409).detail).to.include('Idempotency-Key');
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    expect(waited).to.be.within(2_900, 5_000);
    expect(await projectCount()).to.equal(0);
  });

  it('when the claimant fails to insert, then it lets the key go and an immediate retry creates the project', async () => {
    const once = createIdempotentCreates(store);
    const failure = await once(scope('failed'), () =>
      Promise.reject(new Error('MongoDB went away')),
    ).catch((err: unknown) => err);
    expect(failure).to.have.property('message', 'MongoDB went away');
    const started = stopwatch();
    const retry = await post(0, 'failed');
    expect(retry.status).to.equal(201);
    // Well inside the 10 s lease: the failed claimant released it.
    expect(started.ms()).to.be.below(1_000);
    expect(await projectCount()).to.equal(1);
  });

  it('when the sweep runs, then records past their retention are deleted and live ones kept', async () => {
    await post(0, 'live');
    await store.claim(scope('old'), 0);
    const keys = apps[0]!.deps.db.collection(IDEMPOTENCY_COLLECTION);
    await keys.updateOne({ key: 'old' }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    expect(await store.sweep()).to.equal(1);
    expect((await keys.find().toArray()).map((r) => r.key)).to.deep.equal(['live']);
  });
});
