import { expect } from 'chai';
import { IDEMPOTENCY_COLLECTION, RETENTION_MS } from '../../../app/projects/idempotency-store.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';

const body = { name: 'Harbour bridge', budget: 1250000.5, status: 'planning' };

describe('projects: creates with an Idempotency-Key', () => {
  const app = useTestApp();
  let alice: { token: string; id: string };
  resetBeforeEach(app, async () => {
    alice = await signUp(app.url, 'alice');
  });

  function post(key: string | undefined, json: unknown = body, token = alice.token) {
    const headers: Record<string, string> = key === undefined ? {} : { 'idempotency-key': key };
    return call(app.url, '/projects', { method: 'POST', token, json, headers });
  }
  const projectCount = () => app.deps.db.collection('projects').countDocuments();

  it('when a create is retried with the same Idempotency-Key and body, then the original 201 and project come back and only one project exists', async () => {
    const first = await post('retry-1');
    const second = await post('retry-1');
    expect(first.status).to.equal(201);
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
    expect(second.status).to.equal(201);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(second.headers.get('location')).to.equal(`/projects/${first.body.id}`);
    expect(second.headers.get('etag')).to.equal(first.headers.get('etag'));
    expect(second.body).to.deep.equal(first.body);
    expect(await projectCount()).to.equal(1);
  });

  it('when the retry sends the same fields in another order, then it is the same request', async () => {
    const first = await post('reordered', body);
    const second = await post('reordered', {
      status: body.status,
      budget: body.budget,
      name: body.name,
    });
    expect(second.status).to.equal(201);
    expect(second.body.id).to.equal(first.body.id);
    expect(await projectCount()).to.equal(1);
  });

  it('when the same key comes with a different body, then 422 naming the header, and nothing more is created', async () => {
    const first = await post('changed');
    const reply = await post('changed', { ...body, budget: 99 });
    const problem = expectProblem(reply, 422);
    expect(problem.detail).to.include('Idempotency-Key');
    expect(await projectCount()).to.equal(1);
    // The original answer is still there for a faithful retry.
    expect((await post('changed')).body.id).to.equal(first.body.id);
  });

  it('when two users send the same key, then each gets a project of their own', async () => {
    const bob = await signUp(app.url, 'bob');
    const mine = await post('shared-key');
    const theirs = await post('shared-key', body, bob.token);
    expect(theirs.status).to.equal(201);
    expect(theirs.body.id).not.to.equal(mine.body.id);
    expect(theirs.body.createdBy).to.equal(bob.id);
    expect(await projectCount()).to.equal(2);
  });

  it('when the key is empty, too long or holds a space, then 400 naming the header and nothing is created', async () => {
    for (const bad of ['', 'k'.repeat(256), 'two words']) {
      const problem = expectProblem(await post(bad), 400);
      expect(problem.errors?.map((e) => e.path)).to.deep.equal(['header.Idempotency-Key']);
    }
    expect(await projectCount()).to.equal(0);
    expect((await post('k'.repeat(255))).status).to.equal(201);
  });

  it('when the body is invalid, then 400 and the key stays free for the corrected body', async () => {
    expectProblem(await post('fix-me', { ...body, budget: -1 }), 400);
    expectProblem(
      await post('fix-me', { ...body, startDate: '2026-02-01', endDate: '2026-01-01' }),
      400,
    );
    const fixed = await post('fix-me');
    expect(fixed.status).to.equal(201);
    expect(fixed.headers.get('idempotent-replayed')).to.equal(null);
  });

  it('when POST has no Idempotency-Key, then each request creates a project, as before', async () => {
    const one = await post(undefined);
    const two = await post(undefined);
    expect([one.status, two.status]).to.deep.equal([201, 201]);
    expect(one.body.id).not.to.equal(two.body.id);
    expect(await projectCount()).to.equal(2);
    expect(await app.deps.db.collection(IDEMPOTENCY_COLLECTION).countDocuments()).to.equal(0);
  });

  it('when the project changed after its create, then a retry still gets the original 201 body', async () => {
    const first = await post('then-patched');
    const patched = await call(app.url, `/projects/${first.body.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { name: 'Renamed' },
    });
    expect(patched.status).to.equal(200);
    const retry = await post('then-patched');
    expect(retry.body).to.deep.equal(first.body);
  });

  it('when a key is used, then it is kept for at least 24 hours', async () => {
    const before = Date.now();
    await post('kept');
    const record = await app.deps.db.collection(IDEMPOTENCY_COLLECTION).findOne({ key: 'kept' });
    expect(record?.expiresAt).to.be.instanceOf(Date);
    expect((record?.expiresAt as Date).getTime()).to.be.at.least(before + RETENTION_MS);
  });

  it('when a key is past its retention, then it is free again and a new project is created', async () => {
    const first = await post('expired');
    await app.deps.db
      .collection(IDEMPOTENCY_COLLECTION)
      .updateOne({ key: 'expired' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const again = await post('expired', { ...body, budget: 1 });
    expect(again.status).to.equal(201);
    expect(again.body.id).not.to.equal(first.body.id);
    expect(await projectCount()).to.equal(2);
  });

  it('when /openapi.json is read, then POST /projects documents the header, the 409 and the 422', async () => {
    const { body: doc } = await call(app.url, '/openapi.json');
    const post = doc.paths['/projects'].post;
    const header = post.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key');
    expect(header).to.include({ in: 'header', required: false });
    expect(header.schema).to.include({ minLength: 1, maxLength: 255 });
    expect(post.responses).to.include.keys('409', '422');
  });
});
