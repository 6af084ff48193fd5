import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { e2eUsers } from './support/checks.js';
import { Load } from './support/load.js';
import { sh } from '../support/commands.js';
import { useSwarm } from './support/shared-swarm.js';
import { stopwatch } from '../support/latency.js';

describe('e2e swarm: make scale', () => {
  const swarm = useSwarm({ converged: 'web' });

  it('when web is scaled to 5 under load, then make up, twice, keeps its 5 replicas and its image, N=3 scales it back, and no request fails', async function (this: Mocha.Context) {
    this.timeout(600000);
    const image = await swarm.image('web');
    const load = new Load(swarm.url, `scale${process.pid}`, await e2eUsers(swarm));
    try {
      await load.prepare();
      load.start(400000);
      await sleep(2000);
      await sh('make', ['scale', 'N=5']);
      await swarm.converged('web');
      expect(await swarm.replicas('web')).to.deep.equal({ running: 5, desired: 5 });
      for (const run of ['first', 'second']) {
        const started = stopwatch();
        const output = await swarm.makeUp();
        const seconds = started.seconds().toFixed(1);
        console.log(`      make up (${run}) after make scale N=5: ${seconds} s`);
        expect(await swarm.replicas('web'), run).to.deep.equal({ running: 5, desired: 5 });
        expect(await swarm.image('web'), run).to.equal(image);
        expect(output, run).to.include('up: no image, replica count or secret changed');
      }
      const told = await swarm.makeUp({ N: '3' });
      expect(told).to.include('up: groundwork_web replicas 5 -> 3');
      expect(await swarm.replicas('web')).to.deep.equal({ running: 3, desired: 3 });
      // The removed replicas drain for 10 s; keep the load on past it.
      await sleep(12000);
      const result = await load.stop();
      console.log(`      make scale N=5, make up twice, make up N=3: ${load.summary()}`);
      expect(result.failedReads, 'failed reads').to.deep.equal([]);
      expect(result.failedWrites, 'failed writes').to.deep.equal([]);
    } finally {
      load.close();
      if ((await swarm.replicas('web')).desired !== 3) {
        await sh('make', ['scale', 'N=3']);
        await swarm.converged('web');
      }
    }
  });
});
