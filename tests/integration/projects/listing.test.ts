import { expect } from 'chai';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { signUp } from '../../support/sign-up.js';

interface Item {
  id: string;
  name: string;
  budget: number;
  status: string;
}

describe('projects: listing, filters, sorts, cursors and stats', () => {
  const app = useTestApp();
  let token: string;
  resetBeforeEach(app, async () => {
    ({ token } = await signUp(app.url, 'lister'));
  });

  async function create(name: string, budget: number, status = 'planning'): Promise<Item> {
    const reply = await call<Item>(app.url, '/projects', {
      method: 'POST',
      token,
      json: { name, budget, status },
    });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    return reply.body;
  }

  async function allPages(
    query: string,
    limit: number,
    between?: (page: number) => Promise<void>,
  ): Promise<Item[]> {
    const seen: Item[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const suffix: string = cursor ? `&cursor=${cursor}` : '';
      const reply = await call<{ items: Item[]; nextCursor: string | null }>(
        app.url,
        `/projects?limit=${limit}&${query}${suffix}`,
      );
      expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
      seen.push(...reply.body.items);
      cursor = reply.body.nextCursor;
      page += 1;
      if (between) await between(page);
    } while (cursor);
    return seen;
  }

  it('when filtering by status, q and budget range, then only matching projects are listed', async () => {
    await create('North Tower', 100, 'planning');
    await create('south tower annex', 250.5, 'in_progress');
    await create('Bridge', 300, 'in_progress');
    await create('Tower (old) [a.b]', 50, 'completed');
    const names = async (q: string) =>
      (await call(app.url, `/projects?${q}`)).body.items.map((p: Item) => p.name).sort();
    expect(await names('status=in_progress')).to.deep.equal(['Bridge', 'south tower annex']);
    expect(await names('q=TOWER')).to.deep.equal([
      'North Tower',
      'Tower (old) [a.b]',
      'south tower annex',
    ]);
    expect(await names('q=(old) [a.')).to.deep.equal(['Tower (old) [a.b]']);
    expect(await names('q=.*')).to.deep.equal([]);
    expect(await names('minBudget=100&maxBudget=250.5')).to.deep.equal([
      'North Tower',
      'south tower annex',
    ]);
    expect(await names('status=in_progress&q=tower&minBudget=200')).to.deep.equal([
      'south tower annex',
    ]);
  });

  it('when sorting, then each sort orders the whole listing', async () => {
    await create('beta', 30);
    await create('Alpha', 10);
    await create('gamma', 20);
    const order = async (sort: string) => (await allPages(`sort=${sort}`, 2)).map((p) => p.name);
    expect(await order('name')).to.deep.equal(['Alpha', 'beta', 'gamma']);
    expect(await order('budget')).to.deep.equal(['Alpha', 'gamma', 'beta']);
    expect(await order('-budget')).to.deep.equal(['beta', 'gamma', 'Alpha']);
    expect(await order('createdAt')).to.deep.equal(['beta', 'Alpha', 'gamma']);
    expect(await order('-createdAt')).to.deep.equal(['gamma', 'Alpha', 'beta']);
  });

  it('when paging while others insert, then no existing item is skipped or repeated', async () => {
    const originals: Item[] = [];
    // Sized to stay under the per-user write limit (60 a minute) within one test.
    for (let i = 0; i < 15; i += 1)
      originals.push(await create(`p${String(i).padStart(2, '0')}`, i % 5));
    for (const sort of ['-createdAt', 'createdAt', 'budget', '-budget', 'name']) {
      const seen = await allPages(`sort=${sort}`, 4, async (page) => {
        await create(`inserted ${sort} ${page}`, page % 5);
      });
      const ids = seen.map((p) => p.id);
      expect(new Set(ids).size, `${sort}: repeated items`).to.equal(ids.length);
      for (const original of originals)
        expect(ids, `${sort}: skipped ${original.name}`).to.include(original.id);
    }
  });

  it('when no limit is given, then 20 items and a cursor come back', async () => {
    for (let i = 0; i < 21; i += 1) await create(`n${i}`, 1);
    const reply = await call(app.url, '/projects');
    expect(reply.body.items).to.have.length(20);
    expect(reply.body.nextCursor).to.be.a('string');
    const last = await call(app.url, `/projects?cursor=${reply.body.nextCursor}`);
    expect(last.body.items).to.have.length(1);
    expect(last.body.nextCursor).to.equal(null);
  });

  it('when budgets like 0.1 and 0.2 are summed, then stats are exact in cents', async () => {
    for (let i = 0; i < 10; i += 1) await create(`dime ${i}`, 0.1, 'planning');
    await create('two', 0.2, 'in_progress');
    await create('big', 999999999999.99, 'completed');
    const stats = await call(app.url, '/projects/stats');
    expect(stats.status).to.equal(200);
    expect(stats.body).to.deep.equal({
      total: 12,
      byStatus: { planning: 10, in_progress: 1, completed: 1 },
      budget: {
        total: 1000000000001.19,
        byStatus: { planning: 1, in_progress: 0.2, completed: 999999999999.99 },
      },
    });
  });

  it('when there are no projects, then stats are all zero', async () => {
    const stats = await call(app.url, '/projects/stats');
    expect(stats.body).to.deep.equal({
      total: 0,
      byStatus: { planning: 0, in_progress: 0, completed: 0 },
      budget: { total: 0, byStatus: { planning: 0, in_progress: 0, completed: 0 } },
    });
  });
});
