import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Reply } from './support/client.js';
import { e2eUsers, missing } from './support/checks.js';
import { Load } from './support/load.js';
import { waitUntil } from '../support/wait-until.js';
import { docker, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { stopwatch } from '../support/latency.js';

/** docker kill of a service's only container; resolves once Swarm runs a new, healthy one. */
async function killAndAwaitReplacement(swarm: Swarm, name: string): Promise<number> {
  const [victim] = await swarm.containers(name);
  await docker('kill', victim!);
  const started = stopwatch();
  await waitUntil(`a new healthy ${name} container`, 120000, async () => {
    const [id] = await swarm.containers(name);
    if (id === undefined || id === victim) return undefined;
    const health = await docker('inspect', '-f', '{{.State.Health.Status}}', id);
    return health.trim() === 'healthy' ? id : undefined;
  });
  return started.seconds();
}

/** A well-formed project id that no project has: every read of it needs MongoDB. */
function unknownId(n: number): string {
  return `${'f'.repeat(20)}${String(n % 10000).padStart(4, '0')}`;
}

describe('e2e swarm: Redis and MongoDB containers killed', () => {
  const swarm = useSwarm({ converged: 'web' });

  it('when Redis is killed under load and Swarm restarts it, then no request fails, every acknowledged write is there, and no web replica restarts', async function (this: Mocha.Context) {
    this.timeout(300000);
    const tag = `redis${process.pid}`;
    const load = new Load(swarm.url, tag, await e2eUsers(swarm));
    try {
      await load.prepare();
      const replicas = await swarm.containers('web');
      load.start();
      await sleep(3000);
      const seconds = await killAndAwaitReplacement(swarm, 'redis');
      await sleep(5000);
      const result = await load.stop();
      console.log(`      Redis killed, back healthy in ${seconds.toFixed(1)} s: ${load.summary()}`);
      for (const f of [...result.failedReads, ...result.failedWrites].slice(0, 5)) {
        console.log(`        ${JSON.stringify(f)}`);
      }
      expect(result.failedReads, 'failed reads').to.deep.equal([]);
      expect(result.failedWrites, 'failed writes').to.deep.equal([]);
      expect(await missing(swarm, tag, result.acked)).to.deep.equal([]);
      expect((await swarm.containers('web')).sort()).to.deep.equal(replicas.sort());
    } finally {
      load.close();
    }
  });

  it('when the MongoDB stand-in is killed, then cached reads are served (HIT or STALE), uncached reads get fast 503 problems and writes 503 problems within nginx’s timeout, and all recovers with no web restart and no acknowledged write lost', async function (this: Mocha.Context) {
    this.timeout(300000);
    const [user] = await e2eUsers(swarm);
    const client = new Client(swarm.url, '127.0.0.1');
    try {
      const create = (name: string) =>
        client.call('/projects', {
          method: 'POST',
          token: user!.token,
          json: { name, budget: 10, status: 'planning' },
        });
      const cached = ((await create('mongo-kill cached')).body as { id: string }).id;
      for (let i = 0; i < 3; i += 1) await client.call(`/projects/${cached}`);
      const replicas = await swarm.containers('web');

      const seen: { path: string; status: number; cache: string; ms: number }[] = [];
      const outage = { on: true };
      const probe = (async () => {
        for (let n = 0; outage.on; n += 1) {
          for (const [path, send] of [
            ['cached', () => client.call(`/projects/${cached}`)],
            ['uncached', () => client.call(`/projects/${unknownId(n)}`)],
            ['write', () => create(`mongo-kill ${n}`)],
          ] as [string, () => Promise<Reply>][]) {
            const started = stopwatch();
            const reply = await send();
            const cache = String(reply.headers['x-cache'] ?? '');
            seen.push({ path, status: reply.status, cache, ms: Math.round(started.ms()) });
          }
          await sleep(250);
        }
      })();
      const seconds = await killAndAwaitReplacement(swarm, 'mongo');
      // Recovery without restarts: a write is acknowledged again within 60 s.
      const recovered = await waitUntil('a write acknowledged again', 60000, async () => {
        const reply = await create('mongo-kill after');
        return reply.status === 201 ? (reply.body as { id: string }).id : undefined;
      });
      outage.on = false;
      await probe;

      const by = (path: string) => seen.filter((s) => s.path === path);
      const statuses = (path: string) => [...new Set(by(path).map((s) => s.status))].sort();
      const slowest = (path: string) => Math.max(...by(path).map((s) => s.ms));
      console.log(
        `      MongoDB killed, back healthy in ${seconds.toFixed(1)} s; cached reads ${by('cached').length} ` +
          `(${statuses('cached').join('/')}, X-Cache ${[...new Set(by('cached').map((s) => s.cache))].join('/')}), ` +
          `uncached ${by('uncached').length} (${statuses('uncached').join('/')}, slowest ${slowest('uncached')} ms), ` +
          `writes ${by('write').length} (${statuses('write').join('/')}, slowest ${slowest('write')} ms)`,
      );
      expect(statuses('cached'), 'cached reads').to.deep.equal([200]);
      for (const path of ['uncached', 'write']) {
        for (const s of by(path)) expect([200, 201, 404, 503], path).to.include(s.status);
      }
      // An uncached read is gated after MongoDB's first failure: about one driver
      // timeout (2 s) at worst, but a read caught before the driver noticed can outlast
      // nginx's 5 s read timeout and be answered by its retry on another replica (5.0 s
      // seen in the CI run of 2026-12-01, after the two-Redis and negative-cache changes;
      // not yet explained). The bound is nginx's: 5 s, then one retry. A write makes
      // several MongoDB calls in turn, and while the task is replaced each may wait out
      // a connect or server-selection timeout (7.4 s seen): slow, but answered, well
      // inside nginx's 15 s read timeout.
      expect(slowest('uncached'), 'uncached slowest ms').to.be.below(10000);
      expect(slowest('write'), 'write slowest ms').to.be.below(12000);
      const acked = seen.filter((s) => s.path === 'write' && s.status === 201).length;
      console.log(`      writes acknowledged during the outage: ${acked}`);
      expect(await missing(swarm, 'mongo-kill', [cached, recovered])).to.deep.equal([]);
      expect((await swarm.containers('web')).sort()).to.deep.equal(replicas.sort());
    } finally {
      client.close();
    }
  });
});
