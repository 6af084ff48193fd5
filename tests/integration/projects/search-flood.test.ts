import { expect } from 'chai';
import { Long, ObjectId } from 'mongodb';
import { resetData, useTestApp } from '../../support/app-harness.js';
import { call, signUp, type Reply } from '../../support/http.js';
import { describeLatency, percentile, timed } from '../../support/latency.js';

const PROJECTS = 3000;
// Ten attacking addresses at nginx's 20 r/s each, sent open-loop (without waiting for
// answers), so unrefused searches would pile up by the hundred.
const FLOOD_PER_SECOND = 200;

/**
 * Hundreds of distinct searches at once (each misses the cache and scans) must not
 * slow down by-id reads and writes: the list bulkhead refuses the excess with a fast
 * 503 and keeps the pool's other connections for them.
 */
describe('projects: a search flood against one replica', function () {
  this.timeout(10 * 60 * 1000);
  // Writes are what is measured here, not the per-user write limit.
  const app = useTestApp({ RATE_LIMIT_SCALE: '1000' });
  let token: string;
  let ids: string[];

  before(async () => {
    await resetData(app.deps);
    const owner = await signUp(app.url, 'flood');
    token = owner.token;
    ids = await seed(owner.id);
    await app.deps.cache?.invalidateAll();
  });

  async function seed(createdBy: string): Promise<string[]> {
    const now = Date.now();
    const docs = Array.from({ length: PROJECTS }, (_, i) => {
      const name = `Site ${i} ${['Harbour', 'Depot', 'Bridge', 'School'][i % 4]}`;
      const at = new Date(now - i * 1000);
      return {
        _id: new ObjectId(),
        name,
        nameLower: name.toLowerCase(),
        budgetCents: Long.fromNumber(100000 + i),
        currency: 'EUR',
        status: 'planning',
        createdAt: at,
        updatedAt: at,
        createdBy,
        version: 1,
      };
    });
    for (let i = 0; i < docs.length; i += 500) {
      await app.deps.db.collection('projects').insertMany(docs.slice(i, i + 500));
    }
    return docs.map((d) => d._id.toHexString());
  }

  /** Cold by-id reads (each id once, so each goes to MongoDB) and conditional PATCHes. */
  async function pointTraffic(from: number, count: number) {
    const reads: number[] = [];
    const writes: number[] = [];
    const failures: string[] = [];
    for (let i = from; i < from + count; i += 1) {
      const id = ids[i]!;
      const read = await timed(() => call(app.url, `/projects/${id}`));
      reads.push(read.ms);
      if (read.value.status !== 200) failures.push(`GET ${read.value.status}`);
      const write = await timed(() =>
        call(app.url, `/projects/${id}`, {
          method: 'PATCH',
          token,
          json: { budget: 5000 + i },
          headers: { 'if-match': '"1"' },
        }),
      );
      writes.push(write.ms);
      if (write.value.status !== 200) failures.push(`PATCH ${write.value.status}`);
    }
    return { reads, writes, failures };
  }

  it('when hundreds of distinct searches arrive at once, then by-id reads and writes keep their p99 within 3x, and the excess is a fast 503 with Retry-After', async () => {
    const alone = await pointTraffic(0, 100);

    const searches: { reply: Reply; ms: number }[] = [];
    const errors: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let mostInFlight = 0;
    const search = (n: number) => {
      const sent = timed(() => call(app.url, `/projects?q=nomatch-${n}&limit=100`))
        .then(({ value, ms }) => void searches.push({ reply: value, ms }))
        .catch((err: unknown) => void errors.push((err as Error).message))
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      mostInFlight = Math.max(mostInFlight, inFlight.size);
    };
    let n = 0;
    const started = Date.now();
    const flood = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * FLOOD_PER_SECOND);
      for (; n < due; n += 1) search(n);
    }, 10);
    const during = await pointTraffic(100, 100);
    clearInterval(flood);
    await Promise.all(inFlight);

    const answered = searches.filter((s) => s.reply.status === 200);
    const refused = searches.filter((s) => s.reply.status === 503);
    const other = searches.filter((s) => s.reply.status !== 200 && s.reply.status !== 503);
    console.log(`      by-id alone:  ${describeLatency(alone.reads)}`);
    console.log(`      by-id flood:  ${describeLatency(during.reads)}`);
    console.log(`      PATCH alone:  ${describeLatency(alone.writes)}`);
    console.log(`      PATCH flood:  ${describeLatency(during.writes)}`);
    console.log(
      `      searches: ${searches.length} sent, ${answered.length} answered 200 ` +
        `(${describeLatency(answered.map((s) => s.ms))}), ${refused.length} refused 503 ` +
        `(${describeLatency(refused.map((s) => s.ms))}), at most ${mostInFlight} in flight; ` +
        `503 details: ${[...new Set(refused.map((s) => (s.reply.body as { detail: string }).detail))].join(' / ')}`,
    );

    expect(errors, 'searches that got no answer').to.deep.equal([]);
    expect([...alone.failures, ...during.failures]).to.deep.equal([]);
    expect(other.map((s) => s.reply.status)).to.deep.equal([]);
    expect(refused.length, 'the flood was refused in part').to.be.greaterThan(0);
    for (const { reply } of refused) {
      expect(reply.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(Number(reply.headers.get('retry-after'))).to.be.at.least(1);
    }
    // Generous: a refusal costs no database work, only a turn of a busy event loop.
    expect(
      percentile(
        refused.map((s) => s.ms),
        99,
      ),
    ).to.be.below(2000);
    expect(percentile(during.reads, 99)).to.be.at.most(3 * percentile(alone.reads, 99));
    expect(percentile(during.writes, 99)).to.be.at.most(3 * percentile(alone.writes, 99));
  });
});
