import { expect } from 'chai';
import { Client } from './support/client.js';
import { docker } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

/** Each service's secrets, as docker-stack.yml mounts them: [file, uid, mode]. */
const MOUNTS = {
  web: [
    ['admin_password', '1000', '400'],
    ['cache_redis_password', '1000', '400'],
    ['device_key', '1000', '400'],
    ['mongo_password', '1000', '400'],
    ['redis_password', '1000', '400'],
  ],
  backup: [['mongo_password', '1000', '400']],
  redis: [['redis_password', '999', '400']],
  cache: [['cache_redis_password', '999', '400']],
  mongo: [
    ['mongo_password', '999', '400'],
    ['mongo_root_password', '999', '400'],
  ],
} as const;

describe('e2e swarm: secrets', () => {
  const values = new Map<string, string>();
  const swarm = useSwarm({}, async () => {
    // Secret values cannot be read back from Swarm; a container that mounts one can.
    for (const [service, mounts] of Object.entries(MOUNTS)) {
      const [id] = await swarm.containers(service);
      for (const [file] of mounts) {
        values.set(file, await swarm.exec(id!, ['cat', `/run/secrets/${file}`], '0'));
      }
    }
  });

  it("when a service's container is inspected, then each secret is a file under /run/secrets with the stack's owner and mode 0400", async function (this: Mocha.Context) {
    this.timeout(60000);
    for (const [service, mounts] of Object.entries(MOUNTS)) {
      for (const id of await swarm.containers(service)) {
        for (const [file, uid, mode] of mounts) {
          const stat = await swarm.exec(id, ['stat', '-Lc', '%u %a', `/run/secrets/${file}`], '0');
          expect(stat.trim(), `${service} ${file}`).to.equal(`${uid} ${mode}`);
        }
      }
    }
    for (const value of values.values()) expect(value).to.match(/^[0-9a-f]{64}$/);
  });

  it('when the admin signs in with the admin_password secret, then it works: the app read the file', async () => {
    const client = new Client(swarm.url, '127.0.0.1');
    try {
      const login = await client.call('/auth/login', {
        method: 'POST',
        json: { username: 'admin', password: values.get('admin_password') },
      });
      expect(login.status).to.equal(200);
    } finally {
      client.close();
    }
  });

  it('when every service and container is inspected, then no secret value is in docker service inspect or docker inspect', async function (this: Mocha.Context) {
    this.timeout(60000);
    const services = (await docker('stack', 'services', '-q', swarm.stack)).split('\n');
    const containers = (
      await docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${swarm.stack}`)
    ).split('\n');
    const inspected =
      (await docker('service', 'inspect', ...services.filter(Boolean))) +
      (await docker('inspect', ...containers.filter(Boolean)));
    expect(inspected).to.include('/run/secrets/');
    for (const [name, value] of values) expect(inspected, name).not.to.include(value);
  });

  it("when every service's logs are read, then no secret value is in them", async function (this: Mocha.Context) {
    this.timeout(120000);
    for (const service of ['web', 'nginx', 'redis', 'cache', 'mongo']) {
      const logs = await swarm.logs(service);
      for (const [name, value] of values) expect(logs, `${service} ${name}`).not.to.include(value);
    }
  });
});
