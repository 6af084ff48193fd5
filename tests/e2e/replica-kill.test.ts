import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { listAll, missing, replicaClient } from './support/checks.js';
import { Load } from './support/load.js';
import { sharedTwin, type Twin } from './support/twin.js';

describe('e2e: a replica killed with SIGKILL under load', () => {
  let twin: Twin;
  let load: Load;
  const tag = `sigkill${process.pid}`;
  before(async function (this: Mocha.Context) {
    this.timeout(180000);
    twin = await sharedTwin();
    load = new Load(twin.url, tag, 3, 10);
    await load.prepare();
  });
  after(async function (this: Mocha.Context) {
    this.timeout(120000);
    load.close();
    // Leave the twin as the next test expects it: 3 ready replicas.
    await twin.up();
  });

  it('when one replica dies mid-load, then no read fails, a write either succeeds or fails visibly, none is half-done, and up.sh brings the replica back', async function (this: Mocha.Context) {
    this.timeout(180000);
    load.start();
    await sleep(3000);
    const [victimPort, victimPid] = [...twin.replicas()][0]!;
    process.kill(victimPid, 'SIGKILL');
    await sleep(8000);
    const result = await load.stop();
    console.log(`      SIGKILL of :${victimPort}: ${load.summary()}`);
    for (const write of result.failedWrites) {
      console.log(
        `        failed write: ${write.status ?? write.error ?? ''} ${write.detail ?? ''}`,
      );
    }

    expect(result.failedReads, 'failed reads').to.deep.equal([]);
    for (const write of result.failedWrites) {
      // Visible: a 5xx problem from nginx or the app (never a 2xx that did not happen).
      expect(write.status, JSON.stringify(write)).to.be.within(500, 599);
      expect(JSON.parse(write.detail ?? '{}')).to.have.property('status', write.status);
    }

    await twin.up();
    const replicas = twin.replicas();
    expect(replicas.size, 'replicas after up.sh').to.equal(3);
    const client = replicaClient([...replicas.keys()].find((port) => port !== victimPort)!);
    try {
      for (const port of replicas.keys()) {
        const ready = replicaClient(port);
        expect((await ready.call('/readyz')).status, `replica :${port}`).to.equal(200);
        ready.close();
      }
      expect(await missing(client, result.acked), 'acknowledged writes not found').to.deep.equal(
        [],
      );
      const stored = await listAll(client, tag);
      const seeds = load.clients.length;
      const extra = stored.filter((p) => !result.acked.includes(p.id as string)).length - seeds;
      console.log(
        `      SIGKILL: ${result.acked.length} acknowledged creates all stored; ${stored.length - seeds} stored in all, ` +
          `${extra} of ${result.failedWrites.length} failed creates had landed`,
      );
      expect(extra).to.be.within(0, result.failedWrites.length);
      for (const project of stored) expectComplete(project, tag);
    } finally {
      client.close();
    }
  });
});

/** A whole document: every server-set field, as a create writes it, nothing half-set. */
function expectComplete(project: Record<string, unknown>, tag: string): void {
  expect(project.id).to.match(/^[0-9a-f]{24}$/);
  expect(project.name).to.be.a('string').and.to.include(tag);
  expect(project.budget).to.be.a('number');
  expect(project).to.include({ currency: 'USD', status: 'planning', version: 1 });
  expect(project.createdBy).to.be.a('string');
  expect(Date.parse(project.createdAt as string)).to.be.a('number').and.not.NaN;
  expect(project.updatedAt).to.equal(project.createdAt);
}
