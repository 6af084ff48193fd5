import { expect } from 'chai';
import { Client, pacedOutcomes, REFUSED_OR_RESET } from './support/client.js';
import { docker } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

describe('e2e swarm: updating nginx (stop-first on its host port)', () => {
  const swarm = useSwarm();

  // Measured, not wished away: host mode lets one nginx per node bind the port, so
  // the old task stops before the new one starts. stack/MEASURED.md records them.
  it('when nginx is replaced under 15 r/s, then the only failures are refused or reset connections while no nginx listens, and it serves again', async function (this: Mocha.Context) {
    this.timeout(180000);
    const client = new Client(swarm.url, '127.0.0.1');
    try {
      const [outcomes] = await Promise.all([
        pacedOutcomes(client, 15, 25000),
        (async () => {
          await new Promise((done) => setTimeout(done, 3000));
          await docker(
            'service',
            'update',
            '--force',
            '--detach=false',
            '-q',
            swarm.service('nginx'),
          );
        })(),
      ]);
      const failed = outcomes.filter((o) => o.status !== 200);
      const span = failed.length === 0 ? 0 : failed.at(-1)!.at - failed[0]!.at;
      console.log(
        `      nginx update: ${outcomes.length} requests, ${failed.length} failed over ${(span / 1000).toFixed(1)} s ` +
          `(${[...new Set(failed.map((o) => o.error ?? o.status))].join(', ')})`,
      );
      for (const o of failed) expect(o.error, JSON.stringify(o)).to.match(REFUSED_OR_RESET);
      expect(outcomes.at(-1)!.status, 'serving again at the end').to.equal(200);
    } finally {
      client.close();
    }
  });
});
