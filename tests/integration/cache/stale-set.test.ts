import { expect } from 'chai';
import { Collection } from 'mongodb';
import sinon from 'sinon';
import { setTimeout as sleep } from 'node:timers/promises';
import { resetBeforeEach, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { createProject, useReplicas } from './support.js';
import { signUp } from '../../support/sign-up.js';
import { stopwatch } from '../../support/latency.js';

/**
 * Holds the next read of a project document after MongoDB has answered it and before
 * the cache gets the result: the window in which a write can land between a reader's
 * read and its cache set. All replicas run in this process, so the stub sees them all.
 */
function holdNextProjectRead() {
  let release!: () => void;
  let readDone!: () => void;
  const gate = new Promise<void>((done) => (release = done));
  const read = new Promise<void>((done) => (readDone = done));
  // Called with the collection as `this` below, exactly as the driver would.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Collection.prototype.findOne;
  let armed = true;
  const stub = sinon.stub(Collection.prototype, 'findOne').callsFake(async function (
    this: Collection,
    ...args: unknown[]
  ) {
    const result: unknown = await (original as (...a: unknown[]) => Promise<unknown>).apply(
      this,
      args,
    );
    if (armed && this.collectionName === 'projects') {
      armed = false;
      readDone();
      await gate;
    }
    return result;
  });
  return {
    read,
    release,
    restore: () => {
      stub.restore();
    },
  };
}

describe('cache: no stale set', function () {
  this.timeout(30000);
  const apps = useReplicas(3);
  let token = '';
  const ip = '10.4.0.1';

  resetBeforeEach(apps[0]!, async () => {
    token = (await signUp(apps[0]!.url, 'cache', { forwardedFor: ip })).token;
  });
  afterEach(() => {
    sinon.restore();
  });

  for (const [label, readerApp, writerApp] of [
    ['on another replica', 1, 0],
    ['on the same replica', 1, 1],
  ] as const) {
    it(`when a write lands ${label} between a reader's MongoDB read and its cache set, then the old version never comes back`, async () => {
      const id = await createProject(apps[0]!.url, token, ip);
      const hold = holdNextProjectRead();
      const slowRead = call(apps[readerApp]!.url, `/projects/${id}`);
      await hold.read;
      const patched = await call(apps[writerApp]!.url, `/projects/${id}`, {
        method: 'PATCH',
        token,
        json: { name: 'after the write' },
        headers: { 'x-forwarded-for': ip },
      });
      expect(patched.body.version).to.equal(2);
      hold.release();
      // The held reader began before the write, so version 1 is a fair answer for it.
      expect((await slowRead).body.version).to.equal(1);
      hold.restore();

      const seen = await readEverywhereFor(apps, id, 700);
      expect(
        seen.filter((v) => v !== 2),
        'versions other than 2',
      ).to.deep.equal([]);
    });
  }
});

/** Reads the project from every replica, again and again, for `ms`. */
async function readEverywhereFor(apps: TestApp[], id: string, ms: number): Promise<number[]> {
  const seen: number[] = [];
  const reading = stopwatch();
  while (reading.ms() < ms) {
    const replies = await Promise.all(apps.map((app) => call(app.url, `/projects/${id}`)));
    seen.push(...replies.map((r) => r.body.version as number));
    await sleep(20);
  }
  return seen;
}
