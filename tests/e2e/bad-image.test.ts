import { expect } from 'chai';
import { e2eUsers, replicaVersions } from './support/checks.js';
import { Load, underLoad } from './support/load.js';
import { sh } from '../support/commands.js';
import { useSwarm } from './support/shared-swarm.js';

/** An image FROM the running one whose command is `cmd`: built in seconds, no app build. */
async function badImage(base: string, name: string, cmd: string[]): Promise<string> {
  const image = `groundwork:e2e-${name}`;
  const dockerfile = `FROM ${base}\nCMD ${JSON.stringify(cmd)}\n`;
  await sh('bash', ['-c', `docker build -q -t ${image} - >/dev/null`], { input: dockerfile });
  return image;
}

describe('e2e swarm: a bad image rolls itself back', () => {
  let load: Load;
  let running: string;
  const swarm = useSwarm({ converged: 'web' }, async () => {
    load = new Load(swarm.url, `bad${process.pid}`, await e2eUsers(swarm));
    await load.prepare();
    running = await swarm.image('web');
  });
  after(() => {
    load.close();
  });

  const cases = [
    { name: 'exits', why: 'one that exits at once', cmd: ['node', '-e', 'process.exit(3)'] },
    {
      name: 'never-ready',
      why: 'one that never becomes healthy',
      // Listens, but /healthz (like every path) answers 503 forever.
      cmd: [
        'node',
        '-e',
        "require('node:http').createServer((q,s)=>{s.statusCode=503;s.end()}).listen(3000)",
      ],
    },
  ];
  for (const bad of cases) {
    it(`when make rollout is given ${bad.why}, then Swarm rolls back by itself, rollout.sh says so and exits 1, the old version serves throughout and no request fails`, async function (this: Mocha.Context) {
      this.timeout(600000);
      const versions = await replicaVersions(swarm);
      const image = await badImage(running, bad.name, bad.cmd);
      const run = await underLoad(load, { maxMs: 500000, settleMs: 2000 }, () =>
        swarm.rolloutImage(image),
      );
      const { value: rollout, seconds, result } = run;
      console.log(`      ${bad.name}: rolled back in ${seconds.toFixed(0)} s; ${load.summary()}`);

      expect(rollout.ok, rollout.output).to.equal(false);
      expect(rollout.output).to.include("Swarm says 'rollback_completed'");
      expect(await swarm.updateState('web')).to.equal('rollback_completed');
      expect(result.failedReads, 'failed reads').to.deep.equal([]);
      expect(result.failedWrites, 'failed writes').to.deep.equal([]);
      await swarm.converged('web');
      expect(await replicaVersions(swarm)).to.deep.equal(versions);
    });
  }
});
