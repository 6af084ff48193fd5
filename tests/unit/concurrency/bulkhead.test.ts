import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { asClient, createBulkhead } from '../../../app/concurrency/bulkhead.js';
import { OverloadedError } from '../../../app/errors/app-errors.js';
import { waitUntil } from '../../support/wait-until.js';
import { stopwatch } from '../../support/latency.js';

/** Work that runs until the test lets it go. */
function held() {
  const gate: { open?: () => void } = {};
  const done = new Promise<void>((resolve) => {
    gate.open = resolve;
  });
  return {
    work: () => done,
    release: () => {
      gate.open?.();
    },
  };
}

describe('bulkhead', () => {
  it('when every slot and the queue are taken, then the next is refused at once with a 503, and the queued one runs when a slot frees', async () => {
    const bulkhead = createBulkhead(2, 2, 'scans');
    const jobs = [held(), held(), held(), held()];
    const runs = jobs.map((job) => bulkhead.run(job.work));
    expect(bulkhead.load()).to.deep.equal({ running: 2, waiting: 2, limit: 2 });
    const refused = await bulkhead.run(() => Promise.resolve('ran')).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(OverloadedError);
    expect((refused as OverloadedError).status).to.equal(503);
    for (const job of jobs) job.release();
    await Promise.all(runs);
    expect(bulkhead.load()).to.deep.equal({ running: 0, waiting: 0, limit: 2 });
  });

  it('when scans take longer than the target, then fewer run at once, down to one, while as many as before may still wait; fast ones raise it back', async () => {
    const bulkhead = createBulkhead(4, 2, 'scans', 20);
    await Promise.all([1, 2, 3, 4].map(() => bulkhead.run(() => sleep(40))));
    const cut = bulkhead.load().limit;
    expect(cut).to.be.below(4);
    for (let round = 0; round < 6; round += 1) await bulkhead.run(() => sleep(40));
    expect(bulkhead.load().limit).to.equal(1);

    // Two clients' two searches each fit: one runs, the others wait their turn.
    const slow = [held(), held(), held()];
    const runs = slow.map((job) => bulkhead.run(job.work));
    expect(bulkhead.load()).to.include({ running: 1, waiting: 2 });
    const refused = await bulkhead.run(() => Promise.resolve()).catch((e: unknown) => e);
    expect(refused, 'a third waiter behind one slot').to.be.instanceOf(OverloadedError);
    for (const job of slow) job.release();
    await Promise.all(runs);

    for (let fast = 0; fast < 40; fast += 1) await bulkhead.run(() => Promise.resolve());
    expect(bulkhead.load().limit).to.be.above(1);
  });

  it('when work has waited maxWaitMs for a slot, then it is refused with a 503 and leaves the line', async () => {
    const bulkhead = createBulkhead(1, 2, 'scans', Infinity, 30);
    const first = held();
    const running = bulkhead.run(first.work);
    const waited = await bulkhead.run(() => Promise.resolve('ran')).catch((e: unknown) => e);
    expect(waited).to.be.instanceOf(OverloadedError);
    expect(bulkhead.load()).to.include({ running: 1, waiting: 0 });
    first.release();
    await running;
    expect(await bulkhead.run(() => Promise.resolve('ran'))).to.equal('ran');
    expect(bulkhead.load()).to.include({ running: 0, waiting: 0 });
  });

  it('when the line is longer than maxWaitMs of typical work, then a newcomer is refused at once, not after waiting', async () => {
    const bulkhead = createBulkhead(1, 4, 'scans', Infinity, 50);
    await bulkhead.run(() => sleep(40));
    const first = held();
    const running = bulkhead.run(first.work);
    const second = held();
    const waits = bulkhead.run(second.work);
    const started = stopwatch();
    const refused = await bulkhead.run(() => Promise.resolve()).catch((e: unknown) => e);
    expect(refused, 'one 40 ms turn and half of one ahead: 60 ms, at 50').to.be.instanceOf(
      OverloadedError,
    );
    expect(started.ms()).to.be.below(20);
    first.release();
    second.release();
    await Promise.all([running, waits]);
  });

  it('when one client keeps work queued and another arrives after it, then a freed slot goes to the client served longest ago, not to the first in line', async () => {
    const bulkhead = createBulkhead(1, 4, 'scans');
    const order: string[] = [];
    const jobs = new Map<string, ReturnType<typeof held>>();
    const start = (client: string, name: string) => {
      const job = held();
      jobs.set(name, job);
      return asClient(client, () =>
        bulkhead.run(() => {
          order.push(name);
          return job.work();
        }),
      );
    };
    const runs = [start('a', 'a1'), start('a', 'a2'), start('a', 'a3'), start('b', 'b1')];
    runs.push(start('b', 'b2'));
    expect(bulkhead.load()).to.include({ running: 1, waiting: 4 });
    for (const name of ['a1', 'b1', 'a2', 'b2', 'a3']) {
      await waitUntil(`${name} started`, 200, () => order.includes(name), { everyMs: 1 });
      jobs.get(name)!.release();
    }
    await Promise.all(runs);
    expect(order).to.deep.equal(['a1', 'b1', 'a2', 'b2', 'a3']);
  });
});
