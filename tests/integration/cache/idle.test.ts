import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp } from '../../support/app-harness.js';
import { ferretFinds, ferretRequests } from './support.js';

const WINDOW_MS = 5000;

/** MongoDB commands per second one idle replica sends, after it has settled. */
async function idleRate(overrides: Record<string, string>) {
  const app = await startTestApp(overrides);
  try {
    await sleep(1500);
    const [finds, all] = [await ferretFinds(), await ferretRequests()];
    await sleep(WINDOW_MS);
    const perSecond = (n: number) => (n * 1000) / WINDOW_MS;
    return {
      finds: perSecond((await ferretFinds()) - finds),
      all: perSecond((await ferretRequests()) - all),
    };
  } finally {
    await app.stop();
  }
}

describe('cache: an idle replica and MongoDB', function () {
  this.timeout(30000);

  it('when a replica with healthy Redis serves nothing, then it reads MongoDB at most once a second', async () => {
    const now = await idleRate({});
    const before = await idleRate({ CACHE_EPOCH_IDLE_POLL_MS: '100' });
    console.log(
      `      idle replica: ${now.finds.toFixed(1)} finds/s (${now.all.toFixed(1)} commands/s with the ` +
        `driver's monitoring); polling every 100 ms as before: ${before.finds.toFixed(1)} finds/s`,
    );
    // One read per second, and a window of 5 s can catch a sixth at its edge.
    expect(now.finds * (WINDOW_MS / 1000)).to.be.at.most(WINDOW_MS / 1000 + 1);
    expect(before.finds, 'the measurement sees a 100 ms poll').to.be.at.least(5);
  });
});
