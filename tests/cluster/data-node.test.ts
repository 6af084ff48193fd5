import { expect } from 'chai';
import { missing } from '../e2e/support/checks.js';
import { Client, signUp, type Reply, type User } from '../e2e/support/client.js';
import { waitFor } from '../e2e/support/swarm.js';
import { sharedCluster, type Cluster } from './support/cluster.js';

interface Seen {
  kind: 'cached' | 'uncached' | 'write';
  status: number | string;
  cache?: string;
  ms: number;
}

/**
 * Node 1 holds Redis and MongoDB (label groundwork.data); nothing replicates them, so
 * losing it is an outage of the data, not of the service: this measures what clients
 * get meanwhile, through another node's nginx, and that nothing acknowledged is lost.
 */
describe('the cluster when the data node dies (make cluster)', function () {
  this.timeout(600000);
  let cluster: Cluster;
  let user: User;
  let client: Client;

  before(async function () {
    this.timeout(1200000);
    cluster = await sharedCluster();
    client = new Client(cluster.endpoints[1]!, '127.0.0.1');
    user = await signUp(
      client,
      `cd_${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
    );
  });

  after(async function () {
    this.timeout(300000);
    client.close();
    if (cluster.via !== 1) await cluster.start(1).catch(() => undefined);
    cluster.via = 1;
    // Node 1 comes back with no web replica; `make cluster` again converges and
    // spreads web over the nodes, as the next tests expect.
    await cluster.up();
  });

  async function timed(
    kind: Seen['kind'],
    send: () => Promise<Reply>,
  ): Promise<Seen & { reply?: Reply }> {
    const started = Date.now();
    try {
      const reply = await send();
      const cache = reply.headers['x-cache'];
      return {
        kind,
        status: reply.status,
        ms: Date.now() - started,
        reply,
        ...(typeof cache === 'string' ? { cache } : {}),
      };
    } catch (err) {
      return { kind, status: (err as Error).message, ms: Date.now() - started };
    }
  }

  function create(n: number): Promise<Reply> {
    const json = { name: `datanode ${user.username} ${n}`, budget: 10 + n, status: 'planning' };
    return client.call('/projects', { method: 'POST', token: user.token, json });
  }

  it('serves cached reads, answers the rest 503, and loses no acknowledged write; measured', async () => {
    const acked: string[] = [];
    const seeded = await create(0);
    expect(seeded.status).to.equal(201);
    const cachedPath = `/projects/${(seeded.body as { id: string }).id}`;
    acked.push((seeded.body as { id: string }).id);
    await waitFor('the seeded project cached', 30000, async () =>
      (await client.call(cachedPath)).headers['x-cache'] === 'HIT' ? true : undefined,
    );

    const outage: Seen[] = [];
    await cluster.kill(1);
    cluster.via = 2;
    const killed = Date.now();
    for (let n = 1; Date.now() - killed < 45000; n += 1) {
      const round = await Promise.all([
        timed('cached', () => client.call(cachedPath)),
        timed('uncached', () => client.call(`/projects?limit=5&q=nothing${n}`)),
        timed('write', () => create(n)),
      ]);
      for (const seen of round) {
        if (seen.kind === 'write' && seen.status === 201)
          acked.push((seen.reply!.body as { id: string }).id);
        outage.push({
          kind: seen.kind,
          status: seen.status,
          ms: seen.ms,
          ...(seen.cache ? { cache: seen.cache } : {}),
        });
      }
      await new Promise((done) => setTimeout(done, 1000));
    }
    console.log(`      during the outage: ${JSON.stringify(summarize(outage))}`);

    const back = Date.now();
    await cluster.start(1);
    let n = 1000;
    await waitFor('a write acknowledged again', 180000, async () => {
      const reply = await create((n += 1));
      if (reply.status !== 201) return undefined;
      acked.push((reply.body as { id: string }).id);
      return true;
    });
    console.log(
      `      writes acknowledged again ${((Date.now() - back) / 1000).toFixed(1)} s after node 1 started`,
    );
    cluster.via = 1;

    // Nothing but 200, 201 or a 503 problem, and nothing left hanging.
    for (const seen of outage)
      expect([200, 201, 503], JSON.stringify(seen)).to.include(seen.status);
    expect(Math.max(...outage.map((s) => s.ms))).to.be.below(15000);
    expect(await missing(cluster, 'datanode', acked)).to.deep.equal([]);
  });
});

/** Per kind: how many of each status (and X-Cache), and the slowest answer. */
function summarize(
  seen: Seen[],
): Record<string, { outcomes: Record<string, number>; maxMs: number }> {
  const out: Record<string, { outcomes: Record<string, number>; maxMs: number }> = {};
  for (const s of seen) {
    const entry = (out[s.kind] ??= { outcomes: {}, maxMs: 0 });
    const key = `${s.status}${s.cache ? ` ${s.cache}` : ''}`;
    entry.outcomes[key] = (entry.outcomes[key] ?? 0) + 1;
    entry.maxMs = Math.max(entry.maxMs, s.ms);
  }
  return out;
}
