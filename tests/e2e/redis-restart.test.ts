import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { missing, replicaClient } from './support/checks.js';
import { Load } from './support/load.js';
import { sharedTwin, type Twin } from './support/twin.js';

describe('e2e: Redis restarted under load', () => {
  let twin: Twin;
  let load: Load;
  before(async function (this: Mocha.Context) {
    this.timeout(180000);
    twin = await sharedTwin();
    load = new Load(twin.url, `redis${process.pid}`, 4, 10);
    await load.prepare();
  });
  after(() => {
    load.close();
  });

  // The contract asks for no 5xx. Reads fail open (cache and limiters); a signed-in
  // write needs its session from Redis, and waits for the connection to come back
  // (REDIS_RECONNECT_WAIT_MS) instead of failing, since the stack's Redis persists.
  it('when Redis stops and up.sh starts it again, then no request gets a 5xx and every acknowledged write is there', async function (this: Mocha.Context) {
    this.timeout(120000);
    load.start();
    await sleep(3000);
    const pid = twin.pid('redis');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i += 1) await sleep(100);
    await twin.up();
    await sleep(6000);
    const result = await load.stop();
    console.log(`      Redis restart: ${load.summary()}`);
    const failures = [...result.failedReads, ...result.failedWrites];
    for (const failure of failures.slice(0, 3)) console.log(`        ${JSON.stringify(failure)}`);

    expect(result.failedReads, 'failed reads').to.deep.equal([]);
    expect(result.failedWrites, 'failed writes').to.deep.equal([]);
    const [port] = twin.replicas().keys();
    const client = replicaClient(port!);
    try {
      expect(await missing(client, result.acked)).to.deep.equal([]);
    } finally {
      client.close();
    }
  });
});
