import { expect } from 'chai';
import { useClient } from './support/client.js';
import { e2eUsers } from './support/checks.js';
import { useSwarm } from './support/shared-swarm.js';
import { PASSWORD } from '../support/sign-up.js';

describe('e2e swarm: the contract through nginx', () => {
  const swarm = useSwarm();
  const client = useClient(swarm.url, '127.0.0.1');

  it('when a member signs in, creates, reads, patches and deletes a project, then every step answers as the contract says', async function (this: Mocha.Context) {
    this.timeout(60000);
    const [user] = await e2eUsers(swarm);
    const login = await client.call('/auth/login', {
      method: 'POST',
      json: { username: user!.username, password: PASSWORD },
    });
    expect(login.status).to.equal(200);
    const token = (login.body as { token: string }).token;
    const me = await client.call('/auth/me', { token });
    expect(me.body).to.include({ username: user!.username, role: 'member' });

    const created = await client.call('/projects', {
      method: 'POST',
      token,
      json: { name: 'e2e contract', budget: 1234.5, status: 'planning' },
    });
    expect(created.status).to.equal(201);
    const id = (created.body as { id: string }).id;
    expect(created.headers.location).to.equal(`/projects/${id}`);

    const first = await client.call(`/projects/${id}`);
    const second = await client.call(`/projects/${id}`);
    expect(first.status).to.equal(200);
    expect(second.headers['x-cache']).to.equal('HIT');
    const etag = String(second.headers.etag);
    const notModified = await client.call(`/projects/${id}`, {
      headers: { 'if-none-match': etag },
    });
    expect(notModified.status).to.equal(304);

    const patched = await client.call(`/projects/${id}`, {
      method: 'PATCH',
      token,
      json: { status: 'in_progress' },
      headers: { 'if-match': etag },
    });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ status: 'in_progress', version: 2 });
    const stale = await client.call(`/projects/${id}`, {
      method: 'PATCH',
      token,
      json: { status: 'completed' },
      headers: { 'if-match': etag },
    });
    expect(stale.status).to.equal(412);
    expect(stale.headers['content-type']).to.match(/^application\/problem\+json/);

    const stats = await client.call('/projects/stats');
    expect(stats.status).to.equal(200);
    expect(stats.body).to.have.keys('total', 'byStatus', 'budget');

    expect((await client.call(`/projects/${id}`, { method: 'DELETE', token })).status).to.equal(
      204,
    );
    expect((await client.call(`/projects/${id}`)).status).to.equal(404);
  });

  it('when a browser asks for /docs, /openapi.json and /version, then nginx serves them from the app', async () => {
    const docs = await client.call('/docs');
    expect(docs.status).to.equal(200);
    expect(docs.headers['content-type']).to.match(/^text\/html/);
    const openapi = await client.call('/openapi.json');
    expect(openapi.body).to.have.property('openapi').that.matches(/^3\.1/);
    const version = await client.call('/version');
    expect(version.status).to.equal(200);
  });
});
