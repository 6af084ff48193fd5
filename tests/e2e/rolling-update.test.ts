import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, clientIp } from './support/client.js';
import { missing, replicaClient } from './support/checks.js';
import { Load } from './support/load.js';
import { sharedTwin, type Twin } from './support/twin.js';

describe('e2e: rolling update of the twin (make local-rollout)', () => {
  let twin: Twin;
  let load: Load;
  before(async function (this: Mocha.Context) {
    this.timeout(180000);
    twin = await sharedTwin();
    load = new Load(twin.url, `rollout${process.pid}`, 2, 12);
    await load.prepare();
  });
  after(() => {
    load.close();
  });

  it('when all 3 replicas are replaced under steady reads and writes from 12 addresses, then no request fails, every acknowledged write is there and every replica runs the new version', async function (this: Mocha.Context) {
    this.timeout(180000);
    const before = [...twin.replicas().keys()];
    load.start();
    await sleep(3000);
    const started = Date.now();
    await twin.rollout('e2e-2');
    const rolloutMs = Date.now() - started;
    await sleep(3000);
    const result = await load.stop();
    console.log(`      rollout (${(rolloutMs / 1000).toFixed(1)} s): ${load.summary()}`);

    expect(result.failedReads, 'failed reads').to.deep.equal([]);
    expect(result.failedWrites, 'failed writes').to.deep.equal([]);
    expect(result.acked.length).to.be.greaterThan(50);

    const after = twin.replicas();
    expect(after.size).to.equal(3);
    expect([...after.keys()].filter((port) => before.includes(port))).to.have.length.below(3);
    for (const port of after.keys()) {
      const client = replicaClient(port);
      try {
        expect((await client.call('/version')).body, `replica :${port}`).to.include({
          version: 'e2e-2',
        });
        if (port === [...after.keys()][0]) {
          const lost = await missing(client, result.acked);
          console.log(
            `      rollout: ${result.acked.length - lost.length}/${result.acked.length} acknowledged writes read back`,
          );
          expect(lost, 'acknowledged writes not found').to.deep.equal([]);
        }
      } finally {
        client.close();
      }
    }
    // And through nginx: no old replica is left behind in its upstream.
    const viewer = new Client(twin.url, clientIp(2, 200));
    try {
      for (let i = 0; i < 12; i += 1) {
        expect((await viewer.call('/version')).body).to.include({ version: 'e2e-2' });
      }
    } finally {
      viewer.close();
    }
  });
});
