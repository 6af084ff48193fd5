import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { e2eUsers, missing } from './support/checks.js';
import { Load } from './support/load.js';
import { waitUntil } from '../support/wait-until.js';
import { docker } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { stopwatch } from '../support/latency.js';

describe('e2e swarm: a web task killed under load', () => {
  let load: Load;
  const tag = `kill${process.pid}`;
  const swarm = useSwarm({ converged: 'web' }, async () => {
    load = new Load(swarm.url, tag, await e2eUsers(swarm));
    await load.prepare();
  });
  after(() => {
    load.close();
  });

  it('when `docker kill` ends one web container, then no read fails, no write is half-done, and Swarm replaces the task', async function (this: Mocha.Context) {
    this.timeout(300000);
    const before = await swarm.containers('web');
    load.start();
    await sleep(3000);
    await docker('kill', before[0]!);
    const started = stopwatch();
    const replaced = await waitUntil('a new web container, 3 running', 120000, async () => {
      const now = await swarm.containers('web');
      return now.length === 3 && !now.includes(before[0]!) ? now : undefined;
    });
    const seconds = started.seconds().toFixed(1);
    await sleep(5000);
    const result = await load.stop();
    console.log(`      docker kill: replaced in ${seconds} s; ${load.summary()}`);
    for (const write of result.failedWrites) console.log(`        ${JSON.stringify(write)}`);

    expect(replaced).to.have.length(3);
    expect(result.failedReads, 'failed reads').to.deep.equal([]);
    for (const write of result.failedWrites) {
      // A write cut off with its replica fails visibly, as a problem, never silently.
      expect(write.status, JSON.stringify(write)).to.be.within(500, 599);
    }
    expect(await missing(swarm, tag, result.acked), 'acknowledged writes not found').to.deep.equal(
      [],
    );
    await swarm.converged('web');
  });
});
