import { expect } from 'chai';
import { Client } from './support/client.js';
import { waitUntil } from '../support/wait-until.js';
import { useSwarm } from './support/shared-swarm.js';

describe('e2e swarm: docker service logs', () => {
  const swarm = useSwarm();

  it('when `docker service logs groundwork_web` is read, then every line is one JSON object', async function (this: Mocha.Context) {
    this.timeout(60000);
    const lines = (await swarm.logs('web')).split('\n').filter((line) => line !== '');
    expect(lines.length).to.be.greaterThan(10);
    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown, line).not.to.throw();
      expect(JSON.parse(line), line).to.include.keys('timestamp', 'level', 'message');
    }
  });

  it("when a request passes nginx, then the X-Request-ID it answers with is in nginx's and in web's log line for that request", async function (this: Mocha.Context) {
    this.timeout(90000);
    const client = new Client(swarm.url, '127.0.0.1');
    const reply = await client.call('/version');
    client.close();
    const id = String(reply.headers['x-request-id']);
    expect(id).to.match(/^[A-Za-z0-9._:-]{8,128}$/);
    const line = (service: string) =>
      waitUntil(`${service} logs a line with requestId ${id}`, 30000, async () => {
        const logs = await swarm.logs(service, '5m');
        return logs.split('\n').find((l) => l.includes(`"requestId":"${id}"`));
      });
    expect(JSON.parse(await line('web'))).to.include({
      requestId: id,
      path: '/version',
      status: 200,
    });
    expect(JSON.parse(await line('nginx'))).to.include({ requestId: id, status: 200 });
  });
});
