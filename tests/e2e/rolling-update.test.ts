import { expect } from 'chai';
import { e2eUsers, missing, replicaVersions } from './support/checks.js';
import { Load, underLoad } from './support/load.js';
import { sh } from '../support/commands.js';
import { useSwarm } from './support/shared-swarm.js';

describe('e2e swarm: rolling update (make swarm-rollout)', () => {
  let load: Load;
  let original: string[];
  const tag = `rollout${process.pid}`;
  const swarm = useSwarm({}, async () => {
    load = new Load(swarm.url, tag, await e2eUsers(swarm));
    await load.prepare();
  });
  after(() => {
    load.close();
  });

  it('when web is rolled out to a new image under steady reads and writes, then no request fails, every acknowledged write is readable and every replica runs the new version', async function (this: Mocha.Context) {
    this.timeout(600000);
    const version = `e2e-rollout-${Date.now().toString(36)}`;
    original = await replicaVersions(swarm);
    const run = await underLoad(load, { maxMs: 500000, settleMs: 3000 }, () =>
      swarm.rollout(version),
    );
    const { value: rollout, seconds, result } = run;
    console.log(
      `      rollout in ${seconds.toFixed(0)} s (image build included): ${load.summary()}`,
    );

    expect(rollout.ok, rollout.output).to.equal(true);
    expect(rollout.output).to.include('rollout: done');
    expect(await swarm.updateState('web')).to.equal('completed');
    expect(result.failedReads, 'failed reads').to.deep.equal([]);
    expect(result.failedWrites, 'failed writes').to.deep.equal([]);
    expect(result.limited, 'answered 429').to.equal(0);
    expect(result.acked.length).to.be.greaterThan(20);
    expect(await missing(swarm, tag, result.acked), 'acknowledged writes not found').to.deep.equal(
      [],
    );
    expect(await replicaVersions(swarm)).to.deep.equal([version, version, version]);
  });

  it('when make rollback follows, then every replica serves the previous version again and no request fails', async function (this: Mocha.Context) {
    this.timeout(600000);
    const again = new Load(swarm.url, `rollback${process.pid}`, await e2eUsers(swarm));
    try {
      await again.prepare();
      const { seconds, result } = await underLoad(
        again,
        { maxMs: 500000, settleMs: 2000 },
        async () => {
          await sh('make', ['rollback']);
          await swarm.converged('web');
        },
      );
      console.log(`      make rollback in ${seconds.toFixed(0)} s: ${again.summary()}`);
      expect(result.failedReads, 'failed reads').to.deep.equal([]);
      expect(result.failedWrites, 'failed writes').to.deep.equal([]);
      expect(await replicaVersions(swarm)).to.deep.equal(original);
    } finally {
      again.close();
    }
  });
});
