import { expect } from 'chai';
import { useClient } from './support/client.js';
import { docker } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

const HEALTH = '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}';

describe('e2e swarm: make swarm converges', () => {
  const swarm = useSwarm();
  const client = useClient(swarm.url, '127.0.0.1');

  it('when the stack is up, then every service runs its replica count and every task with a healthcheck is healthy', async function (this: Mocha.Context) {
    this.timeout(60000);
    for (const [name, count] of [
      ['web', 3],
      ['nginx', 1],
      ['redis', 1],
      ['cache', 1],
      ['mongo', 1],
      ['prometheus', 1],
      ['alertmanager', 1],
      ['node-exporter', 1],
      ['nginx-exporter', 1],
    ] as const) {
      expect(await swarm.replicas(name), name).to.deep.equal({ running: count, desired: count });
      for (const id of await swarm.containers(name)) {
        const health = await docker('inspect', '-f', HEALTH, id);
        // nginx and the monitoring services have no healthcheck: Swarm counts them
        // running once their process is (alerts.test.ts checks that they answer).
        const checked = ['web', 'redis', 'cache', 'mongo'].includes(name);
        expect(health.trim(), `${name} container ${id}`).to.equal(checked ? 'healthy' : 'none');
      }
    }
  });

  it('when nginx is asked on the published port, then it answers /version and hides /metrics, /healthz and /readyz (404 problem)', async () => {
    const version = await client.call('/version');
    expect(version.status).to.equal(200);
    expect(version.body).to.have.keys('version', 'commit');
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const reply = await client.call(path);
      expect(reply.status, path).to.equal(404);
      expect(reply.headers['content-type'], path).to.match(/^application\/problem\+json/);
    }
  });
});
