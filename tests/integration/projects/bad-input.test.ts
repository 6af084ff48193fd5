import { expect } from 'chai';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';

const valid = { name: 'Depot', budget: 100, status: 'planning' };

/**
 * Every malformed, oversized or hostile input gets a problem+json 4xx that names the
 * problem, and nothing is written.
 */
describe('projects: bad input', () => {
  let app: TestApp;
  let token: string;
  let existingId: string;

  before(async () => {
    app = await startTestApp();
    await resetData(app.deps);
    ({ token } = await signUp(app.url, 'bad'));
    const created = await call(app.url, '/projects', { method: 'POST', token, json: valid });
    existingId = created.body.id;
  });
  after(async () => {
    await app.stop();
  });

  async function expectRejectedCreate(
    json: unknown,
    status: number,
    path?: string,
    headers?: Record<string, string>,
  ) {
    const before = await app.deps.db.collection('projects').countDocuments();
    const reply = await call(app.url, '/projects', {
      method: 'POST',
      token,
      json,
      ...(headers ? { headers } : {}),
    });
    const problem = expectProblem(reply, status);
    if (path !== undefined)
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(problem),
      ).to.include(path);
    expect(await app.deps.db.collection('projects').countDocuments()).to.equal(before);
  }

  const cases: [string, unknown, string][] = [
    ['a missing name', { budget: 1, status: 'planning' }, 'body.name'],
    ['an empty name', { ...valid, name: '' }, 'body.name'],
    ['a name of only spaces', { ...valid, name: '   ' }, 'body.name'],
    ['a name of 201 characters', { ...valid, name: 'x'.repeat(201) }, 'body.name'],
    ['a name that is an operator object', { ...valid, name: { $gt: '' } }, 'body.name'],
    ['a budget that is a string', { ...valid, budget: '5' }, 'body.budget'],
    ['a negative budget', { ...valid, budget: -0.01 }, 'body.budget'],
    ['a budget with 3 decimals', { ...valid, budget: 10.005 }, 'body.budget'],
    ['a budget over the maximum', { ...valid, budget: 1e13 }, 'body.budget'],
    ['an unknown currency', { ...valid, currency: 'XYZ1' }, 'body.currency'],
    ['a lower-case currency', { ...valid, currency: 'usd' }, 'body.currency'],
    ['an unknown status', { ...valid, status: 'done' }, 'body.status'],
    ['a location of 201 characters', { ...valid, location: 'x'.repeat(201) }, 'body.location'],
    ['an impossible date', { ...valid, startDate: '2025-02-30' }, 'body.startDate'],
    ['a date in another format', { ...valid, startDate: '01/02/2025' }, 'body.startDate'],
    [
      'endDate before startDate',
      { ...valid, startDate: '2025-05-02', endDate: '2025-05-01' },
      'body.endDate',
    ],
    ['an unknown field', { ...valid, owner: 'me' }, 'body.owner'],
    ['a server-set field', { ...valid, version: 7 }, 'body.version'],
    ['a key starting with $', { ...valid, $where: 'sleep(1000)' }, 'body.$where'],
    ['a key containing a dot', { ...valid, 'a.b': 1 }, 'body.a.b'],
  ];
  for (const [what, body, path] of cases) {
    it(`when creating with ${what}, then 400 naming ${path}`, async () => {
      await expectRejectedCreate(body, 400, path);
    });
  }

  it('when a name is exactly 200 characters and a budget has 2 decimals, then it is accepted', async () => {
    const reply = await call(app.url, '/projects', {
      method: 'POST',
      token,
      json: { ...valid, name: 'x'.repeat(200), budget: 0.29 },
    });
    expect(reply.status).to.equal(201);
    expect(reply.body.budget).to.equal(0.29);
  });

  it('when the body carries a __proto__ key, then 400 and no prototype is polluted', async () => {
    await expectRejectedCreate(
      '{"name":"x","budget":1,"status":"planning","__proto__":{"admin":true}}',
      400,
    );
    expect(({} as Record<string, unknown>).admin).to.equal(undefined);
  });

  it('when the body is malformed JSON, then 400', async () => {
    await expectRejectedCreate('{"name": "x",', 400);
  });

  it('when the body is not an object, then 400', async () => {
    await expectRejectedCreate('[1,2]', 400);
    await expectRejectedCreate('"text"', 400);
    await expectRejectedCreate('null', 400);
  });

  it('when the body is a non-finite number literal, then 400', async () => {
    await expectRejectedCreate(
      '{"name":"x","budget":1e400,"status":"planning"}',
      400,
      'body.budget',
    );
  });

  it('when the content type is not JSON, then 415', async () => {
    await expectRejectedCreate('name=x', 415, undefined, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    await expectRejectedCreate(JSON.stringify(valid), 415, undefined, {
      'content-type': 'text/plain',
    });
  });

  it('when the body is over the limit, then 413', async () => {
    await expectRejectedCreate({ ...valid, location: 'x'.repeat(70 * 1024) }, 413);
  });

  it('when a patch is empty, unknown, or breaks the date order against stored dates, then 400 and nothing changes', async () => {
    const withDates = await call(app.url, '/projects', {
      method: 'POST',
      token,
      json: { ...valid, startDate: '2025-01-10', endDate: '2025-01-20' },
    });
    const id = withDates.body.id as string;
    for (const json of [
      {},
      { owner: 'x' },
      { endDate: '2025-01-01' },
      { budget: 1.234 },
      { name: null },
    ]) {
      expectProblem(await call(app.url, `/projects/${id}`, { method: 'PATCH', token, json }), 400);
    }
    expect((await call(app.url, `/projects/${id}`)).body.version).to.equal(1);
  });

  it('when If-Match is not an ETag, then 400', async () => {
    const reply = await call(app.url, `/projects/${existingId}`, {
      method: 'PATCH',
      token,
      json: { name: 'y' },
      headers: { 'if-match': 'garbage' },
    });
    expectProblem(reply, 400);
  });

  const badQueries: [string, string][] = [
    ['limit 0', 'limit=0'],
    ['limit 101', 'limit=101'],
    ['a non-numeric limit', 'limit=ten'],
    ['an unknown status', 'status=done'],
    ['an unknown sort', 'sort=-name'],
    ['a negative minBudget', 'minBudget=-1'],
    ['a garbage cursor', 'cursor=abc$'],
    ['an operator in a filter', 'status[$gt]='],
    ['a repeated filter', 'status=planning&status=completed'],
    ['an unknown parameter', 'owner=me'],
    ['an empty q', 'q='],
  ];
  for (const [what, query] of badQueries) {
    it(`when listing with ${what}, then 400`, async () => {
      expectProblem(await call(app.url, `/projects?${query}`), 400);
    });
  }

  const controlQueries: [string, string, string][] = [
    ['a NUL in q', '/projects?q=Dep%00ot', 'query.q'],
    ['a newline in q', '/projects?q=Dep%0Aot', 'query.q'],
    ['a DEL in status', '/projects?status=planning%7F', 'query.status'],
    ['a tab in a cursor', '/projects?cursor=%09', 'query.cursor'],
    ['a NUL in a parameter name', '/projects?q%00=x', 'query.q\\u0000'],
    ['a NUL on a by-id read', `/projects/ID?x=%00`, 'query.x'],
    ['an escape on the stats', '/projects/stats?v=%1B', 'query.v'],
  ];
  for (const [what, path, named] of controlQueries) {
    it(`when a query has ${what}, then 400 naming ${named} before any database work`, async () => {
      const problem = expectProblem(await call(app.url, path.replace('ID', existingId)), 400);
      expect(problem.errors?.map((e) => e.path)).to.deep.equal([named]);
    });
  }
});
