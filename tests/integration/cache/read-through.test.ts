import { expect } from 'chai';
import { resetBeforeEach } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { createProject, ferretFinds, startReplicas, useReplicas } from './support.js';
import { signUp } from '../../support/sign-up.js';

describe('cache: read-through', function () {
  this.timeout(30000);
  const apps = useReplicas(2, { CACHE_EPOCH_POLL_MS: '0' });
  let token = '';
  const ip = '10.2.0.1';

  resetBeforeEach(apps[0]!, async () => {
    token = (await signUp(apps[0]!.url, 'cache', { forwardedFor: ip })).token;
  });

  it('when a project is read twice, then the first is a MISS and the second a HIT with the same body', async () => {
    const id = await createProject(apps[0]!.url, token, ip);
    const first = await call(apps[0]!.url, `/projects/${id}`);
    const second = await call(apps[0]!.url, `/projects/${id}`);
    expect(first.headers.get('x-cache')).to.equal('MISS');
    expect(second.headers.get('x-cache')).to.equal('HIT');
    expect(second.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(second.body).to.deep.equal(first.body);
  });

  it('when a cached project is asked for with its ETag, then 304 comes back without a MongoDB read', async () => {
    const id = await createProject(apps[0]!.url, token, ip);
    const first = await call(apps[0]!.url, `/projects/${id}`);
    const before = await ferretFinds();
    const again = await call(apps[0]!.url, `/projects/${id}`, {
      headers: { 'if-none-match': first.headers.get('etag')! },
    });
    expect(again.status).to.equal(304);
    expect(again.headers.get('x-cache')).to.equal('HIT');
    expect((await ferretFinds()) - before).to.equal(0);
  });

  it('when another replica reads a project cached in Redis, then it is an L2 hit', async () => {
    const id = await createProject(apps[0]!.url, token, ip);
    await call(apps[0]!.url, `/projects/${id}`);
    await new Promise((done) => setTimeout(done, 50)); // the fill is not awaited by the reader
    const before = await ferretFinds();
    const other = await call(apps[1]!.url, `/projects/${id}`);
    expect(other.headers.get('x-cache')).to.equal('HIT');
    expect((await ferretFinds()) - before).to.equal(0);
  });

  it('when a project is changed on one replica, then both replicas serve the new version at once', async () => {
    const id = await createProject(apps[0]!.url, token, ip);
    await Promise.all(apps.map((app) => call(app.url, `/projects/${id}`)));
    const patched = await call(apps[1]!.url, `/projects/${id}`, {
      method: 'PATCH',
      token,
      json: { name: 'renamed' },
      headers: { 'x-forwarded-for': ip },
    });
    expect(patched.status).to.equal(200);
    for (const app of apps) {
      const read = await call(app.url, `/projects/${id}`);
      expect(read.body).to.include({ version: 2, name: 'renamed' });
    }
  });

  it('when a project is deleted, then every replica answers 404', async () => {
    const id = await createProject(apps[0]!.url, token, ip);
    await Promise.all(apps.map((app) => call(app.url, `/projects/${id}`)));
    expect(
      (
        await call(apps[0]!.url, `/projects/${id}`, {
          method: 'DELETE',
          token,
          headers: { 'x-forwarded-for': ip },
        })
      ).status,
    ).to.equal(204);
    for (const app of apps) expect((await call(app.url, `/projects/${id}`)).status).to.equal(404);
  });

  it('when a project is created or changed, then cached list pages and stats change with it', async () => {
    await createProject(apps[0]!.url, token, ip, 'first');
    const list = await call(apps[1]!.url, '/projects?sort=name');
    const stats = await call(apps[1]!.url, '/projects/stats');
    expect((await call(apps[1]!.url, '/projects?sort=name')).headers.get('x-cache')).to.equal(
      'HIT',
    );
    expect((await call(apps[1]!.url, '/projects/stats')).headers.get('x-cache')).to.equal('HIT');
    await createProject(apps[0]!.url, token, ip, 'second');
    const listAfter = await call(apps[1]!.url, '/projects?sort=name');
    const statsAfter = await call(apps[1]!.url, '/projects/stats');
    expect(list.body.items).to.have.length(1);
    expect(listAfter.body.items.map((p: { name: string }) => p.name)).to.deep.equal([
      'first',
      'second',
    ]);
    expect(stats.body.total).to.equal(1);
    expect(statsAfter.body.total).to.equal(2);
  });

  it('when CACHE_ENABLED is false, then every read goes to MongoDB and says MISS', async () => {
    const [direct] = await startReplicas(1, { CACHE_ENABLED: 'false' });
    try {
      const id = await createProject(apps[0]!.url, token, ip);
      const before = await ferretFinds();
      for (let i = 0; i < 3; i += 1) {
        expect((await call(direct!.url, `/projects/${id}`)).headers.get('x-cache')).to.equal(
          'MISS',
        );
      }
      expect((await ferretFinds()) - before).to.equal(3);
    } finally {
      await direct!.stop();
    }
  });
});
