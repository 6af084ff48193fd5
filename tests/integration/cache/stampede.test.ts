import { expect } from 'chai';
import { resetData, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { createProject, ferretFinds, startReplicas, stopReplicas } from './support.js';
import { signUp } from '../../support/sign-up.js';

describe('cache: stampede on a cold key', function () {
  this.timeout(60000);
  let apps: TestApp[] = [];

  before(async () => {
    // No epoch polling here: its finds would blur the count of project reads.
    apps = await startReplicas(3, { CACHE_EPOCH_POLL_MS: '0' });
    await resetData(apps[0]!.deps);
  });
  after(() => stopReplicas(apps));

  it('when 500 GETs of one uncached project hit 3 replicas at once, then MongoDB is read at most once per replica', async () => {
    const token = (await signUp(apps[0]!.url, 'cache', { forwardedFor: '10.1.0.1' })).token;
    const id = await createProject(apps[0]!.url, token, '10.1.0.1');
    const before = await ferretFinds();

    const replies = await Promise.all(
      Array.from({ length: 500 }, (_, i) => call(apps[i % 3]!.url, `/projects/${id}`)),
    );

    const finds = (await ferretFinds()) - before;
    const byCache = countBy(replies.map((r) => r.headers.get('x-cache') ?? 'none'));
    console.log(
      `      stampede: ${finds} MongoDB find(s) for 500 GETs; X-Cache ${JSON.stringify(byCache)}`,
    );
    expect(replies.every((r) => r.status === 200 && r.body.version === 1)).to.equal(true);
    expect(finds).to.be.at.least(1).and.at.most(3);
  });

  it('when a cold list page is hit on 3 replicas at once, then MongoDB is queried at most once per replica', async () => {
    const before = await ferretFinds();
    const replies = await Promise.all(
      // 150 clients, as nginx names them: one address may have only LIST_PER_CLIENT
      // list pages in progress on a replica.
      Array.from({ length: 150 }, (_, i) =>
        call(apps[i % 3]!.url, '/projects?limit=7', {
          headers: { 'x-forwarded-for': `10.7.0.${i + 1}` },
        }),
      ),
    );
    const finds = (await ferretFinds()) - before;
    console.log(`      stampede (list page): ${finds} MongoDB find(s) for 150 GETs`);
    expect(replies.every((r) => r.status === 200)).to.equal(true);
    expect(finds).to.be.at.least(1).and.at.most(3);
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
