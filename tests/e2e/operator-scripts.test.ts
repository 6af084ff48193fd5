import { expect } from 'chai';
import { sh, sharedSwarm, type Swarm } from './support/swarm.js';

/** The environment stack/swarm.sh gives up.sh and rollout.sh, with a base image that does not exist. */
const BROKEN_BUILD = {
  STACK_OVERRIDE: 'stack/offline/docker-stack.offline.yml',
  DOCKER_BUILD_PULL: 'false',
  NODE_IMAGE: 'groundwork-offline/no-such-base',
  IMAGE_VERSION: 'e2e-never-built',
};

async function fails(script: string, swarm: Swarm): Promise<string> {
  try {
    await sh('bash', [script, swarm.stack], { ...BROKEN_BUILD, HTTP_PORT: swarm.port });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${script} exited 0 although the image build failed`);
}

describe('e2e swarm: operator scripts when the image build fails', () => {
  let swarm: Swarm;
  let deployed: string;
  before(async function (this: Mocha.Context) {
    this.timeout(900000);
    swarm = await sharedSwarm();
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
