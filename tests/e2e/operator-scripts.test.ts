import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sh } from '../support/commands.js';
import { OFFLINE_ENV, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { stopwatch } from '../support/latency.js';

/** The environment stack/swarm.sh gives up.sh and rollout.sh, with a base image that does not exist. */
const ROOT = resolve(import.meta.dirname, '../..');

const BROKEN_BUILD = {
  ...OFFLINE_ENV,
  NODE_IMAGE: 'groundwork-offline/no-such-base',
  IMAGE_VERSION: 'e2e-never-built',
};

async function fails(script: string, swarm: Swarm): Promise<string> {
  try {
    await sh('bash', [script, swarm.stack], {
      env: { ...BROKEN_BUILD, HTTP_PORT: swarm.port },
    });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${script} exited 0 although the image build failed`);
}

describe('e2e swarm: operator scripts when the image build fails', () => {
  let deployed: string;
  const swarm = useSwarm({}, async () => {
    deployed = await swarm.image('web');
  });

  for (const script of ['stack/up.sh', 'stack/rollout.sh']) {
    it(`when ${script} cannot build the image, then it exits non-zero, claims nothing and deploys nothing`, async function (this: Mocha.Context) {
      this.timeout(120000);
      const output = await fails(script, swarm);
      expect(output).not.to.match(/up: deployed|rollout: done/);
      const image = await swarm.image('web');
      expect(image).to.equal(deployed);
      expect(image).not.to.include('e2e-never-built');
    });
  }
});

/** Another checkout of this working tree: its tracked and untracked files, no ignored ones (secrets/names.env). */
async function otherCheckout(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-checkout-'));
  const files = (await sh('git', ['ls-files', '-co', '--exclude-standard'])).split('\n');
  for (const file of files.filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

describe('e2e swarm: operator commands that keep state', () => {
  const swarm = useSwarm({ converged: 'web' });

  it('when one checkout records a secret rotation, then make up from another checkout, without secrets/names.env, deploys the new secret', async function (this: Mocha.Context) {
    this.timeout(600000);
    // The same value again: the admin's stored password stays the one its secret holds,
    // which secrets.test.ts signs in with.
    const [container] = await swarm.containers('web');
    const value = await swarm.exec(container!, ['cat', '/run/secrets/admin_password'], '0');
    const rotated = (
      await sh('bash', ['secrets/rotate.sh', 'admin_password'], { input: value })
    ).trim();
    expect(rotated).to.match(/^admin_password_v[2-9]\d*$/);
    const checkout = await otherCheckout();
    try {
      expect(existsSync(join(checkout, 'secrets/names.env')), 'names.env copied').to.equal(false);
      const started = stopwatch();
      const output = await swarm.makeUp({}, checkout);
      console.log(
        `      make up from another checkout: ${started.seconds().toFixed(1)} s; ` +
          output
            .split('\n')
            .filter((line) => line.includes('secrets'))
            .join('; '),
      );
      expect(await swarm.secretSource('web', 'admin_password')).to.equal(rotated);
      expect(output).to.match(/up: groundwork_web secrets .*admin_password_v/);
      const again = await swarm.makeUp();
      expect(again).to.include('up: no image, replica count or secret changed');
      expect(await swarm.secretSource('web', 'admin_password')).to.equal(rotated);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  it('when a stack named groundwork runs that the tests did not create, then they refuse to touch it unless E2E_REPLACE_STACK=1', async function (this: Mocha.Context) {
    this.timeout(60000);
    await swarm.ownership('unmark');
    try {
      const refused = await swarm.ownership('check').then(
        () => 'accepted',
        (err: unknown) => (err as Error).message,
      );
      expect(refused).to.include('the tests did not create it').and.include('E2E_REPLACE_STACK=1');
      const replaced = await sh('bash', ['stack/swarm/test-stack.sh', 'check', swarm.stack], {
        env: { E2E_REPLACE_STACK: '1' },
      });
      expect(replaced).to.include('take over');
    } finally {
      await swarm.ownership('mark');
    }
  });
});
