import { expect } from 'chai';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signInAdmin, signUp } from '../../support/sign-up.js';

const valid = { name: 'Harbour bridge', budget: 1250000.5, status: 'planning' };

describe('projects: create, read, update, delete', () => {
  const app = useTestApp();
  let alice: { token: string; id: string };
  let bob: { token: string; id: string };
  resetBeforeEach(app, async () => {
    alice = await signUp(app.url, 'alice');
    bob = await signUp(app.url, 'bob');
  });

  async function create(token: string, body: object = valid) {
    const reply = await call(app.url, '/projects', { method: 'POST', token, json: body });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    return reply;
  }

  it('when a member creates a project, then 201 with Location, server-set fields and defaults', async () => {
    const reply = await create(alice.token, {
      ...valid,
      name: '  Harbour bridge  ',
      location: 'Pier 4',
    });
    const project = reply.body;
    expect(reply.headers.get('location')).to.equal(`/projects/${project.id}`);
    expect(project).to.include({
      name: 'Harbour bridge',
      budget: 1250000.5,
      currency: 'USD',
      status: 'planning',
    });
    expect(project).to.include({ location: 'Pier 4', createdBy: alice.id, version: 1 });
    expect(project.id).to.match(/^[0-9a-f]{24}$/);
    expect(new Date(project.createdAt).toISOString()).to.equal(project.createdAt);
    expect(reply.headers.get('etag')).to.equal('"1"');
  });

  it('when a project is read, then 200 with ETag and X-Cache, and If-None-Match gives 304', async () => {
    const { body: created } = await create(alice.token);
    const read = await call(app.url, `/projects/${created.id}`);
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.equal(created);
    expect(read.headers.get('x-cache')).to.be.oneOf(['HIT', 'MISS']);
    const etag = read.headers.get('etag')!;
    const again = await call(app.url, `/projects/${created.id}`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).to.equal(304);
    expect(again.body).to.equal('');
  });

  it('when the creator patches, then the change applies, version and ETag advance', async () => {
    const { body: created } = await create(alice.token);
    const reply = await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { status: 'in_progress', budget: 10.1 },
    });
    expect(reply.status).to.equal(200);
    expect(reply.body).to.include({
      status: 'in_progress',
      budget: 10.1,
      version: 2,
      name: valid.name,
    });
    expect(reply.headers.get('etag')).to.equal('"2"');
    expect(Date.parse(reply.body.updatedAt)).to.be.at.least(Date.parse(created.updatedAt));
  });

  it('when If-Match names an old version, then 412 and nothing changes', async () => {
    const { body: created } = await create(alice.token);
    await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { name: 'v2' },
    });
    const stale = await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { name: 'lost update' },
      headers: { 'if-match': '"1"' },
    });
    expectProblem(stale, 412);
    const current = await call(app.url, `/projects/${created.id}`);
    expect(current.body).to.include({ name: 'v2', version: 2 });
  });

  it('when If-Match names the current version, then the patch applies', async () => {
    const { body: created } = await create(alice.token);
    const reply = await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { name: 'checked' },
      headers: { 'if-match': '"1"' },
    });
    expect(reply.status).to.equal(200);
    expect(reply.body.version).to.equal(2);
  });

  it('when a patch sets an optional field to null, then the field is removed', async () => {
    const { body: created } = await create(alice.token, { ...valid, location: 'Dock' });
    const reply = await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { location: null },
    });
    expect(reply.status).to.equal(200);
    expect(reply.body).not.to.have.property('location');
  });

  it("when a member edits or deletes another member's project, then 403 and nothing changes", async () => {
    const { body: created } = await create(alice.token);
    expectProblem(
      await call(app.url, `/projects/${created.id}`, {
        method: 'PATCH',
        token: bob.token,
        json: { name: 'x' },
      }),
      403,
    );
    expectProblem(
      await call(app.url, `/projects/${created.id}`, { method: 'DELETE', token: bob.token }),
      403,
    );
    expect((await call(app.url, `/projects/${created.id}`)).body).to.include({
      name: valid.name,
      version: 1,
    });
  });

  it("when an admin edits and deletes a member's project, then both succeed", async () => {
    const admin = await signInAdmin(app.url);
    const { body: created } = await create(alice.token);
    const patched = await call(app.url, `/projects/${created.id}`, {
      method: 'PATCH',
      token: admin,
      json: { status: 'completed' },
    });
    expect(patched.status).to.equal(200);
    const deleted = await call(app.url, `/projects/${created.id}`, {
      method: 'DELETE',
      token: admin,
    });
    expect(deleted.status).to.equal(204);
    expectProblem(await call(app.url, `/projects/${created.id}`), 404);
  });

  it('when the creator deletes, then 204 and the project is gone; deleting again is 404', async () => {
    const { body: created } = await create(alice.token);
    expect(
      (await call(app.url, `/projects/${created.id}`, { method: 'DELETE', token: alice.token }))
        .status,
    ).to.equal(204);
    expectProblem(await call(app.url, `/projects/${created.id}`), 404);
    expectProblem(
      await call(app.url, `/projects/${created.id}`, { method: 'DELETE', token: alice.token }),
      404,
    );
  });

  it('when writing without a token, or with a bad one, then 401', async () => {
    expectProblem(await call(app.url, '/projects', { method: 'POST', json: valid }), 401);
    expectProblem(
      await call(app.url, '/projects', { method: 'POST', json: valid, token: 'nope' }),
      401,
    );
    expectProblem(
      await call(app.url, '/projects', {
        method: 'POST',
        json: valid,
        headers: { authorization: 'Basic abc' },
      }),
      401,
    );
    expect(await app.deps.db.collection('projects').countDocuments()).to.equal(0);
  });

  it('when reading an unknown id, then 404; an invalid id, then 400', async () => {
    expectProblem(await call(app.url, '/projects/0123456789abcdef01234567'), 404);
    const bad = expectProblem(await call(app.url, '/projects/not-an-id'), 400);
    expect(bad.errors?.[0]?.path).to.equal('path.id');
    expectProblem(await call(app.url, '/projects/0123456789ABCDEF01234567'), 400);
    expectProblem(await call(app.url, '/projects/%7B%22%24gt%22%3A%22%22%7D'), 400);
  });

  it('when an unknown route or method is used, then 404 or 405 problem+json', async () => {
    expectProblem(await call(app.url, '/nowhere'), 404);
    expectProblem(
      await call(app.url, '/projects', { method: 'PUT', token: alice.token, json: valid }),
      405,
    );
  });
});
