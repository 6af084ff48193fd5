import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { listAllOnceAnswered } from '../e2e/support/checks.js';
import { Client } from '../e2e/support/client.js';
import { sh } from '../support/commands.js';
import { waitUntil } from '../support/wait-until.js';
import { CLUSTER_BACKUP_INTERVAL, sharedCluster, type Cluster } from './support/cluster.js';
import { PASSWORD, signUp, type User } from '../support/sign-up.js';

const INTERVAL_S = CLUSTER_BACKUP_INTERVAL;

interface Acked {
  id: string;
  at: number;
}

/**
 * The disaster the backups are for: the data node dies and its disk with it. Runs last
 * of the cluster tests (the file name sorts last), since node 1 never comes back.
 * Follows stack/README.md, "Losing the data node": move the data role, `make restore`.
 */
describe('the cluster when the data node is lost for good (make cluster, make restore)', function () {
  this.timeout(900000);
  let cluster: Cluster;
  let client: Client;
  let close: () => void = () => undefined;
  let user: User;
  const tag = `drill${process.pid.toString(36)}`;

  before(async function () {
    this.timeout(1200000);
    cluster = await sharedCluster();
    cluster.via = 2;
    // Node 2 may be the one the previous file killed and booted again.
    await cluster.edgeServes(2);
    client = new Client(cluster.endpoints[1]!, '127.0.0.1');
    close = () => {
      client.close();
    };
    user = await signUp(client, `${tag}_${Date.now().toString(36).slice(-4)}`);
  });

  after(() => {
    close();
  });

  /** `make TARGET` against the cluster through node `via`'s engine. */
  function make(target: string): Promise<string> {
    return sh('make', ['--no-print-directory', '-s', target], { env: cluster.engine() });
  }

  async function hostnameWithLabel(label: string): Promise<string> {
    const ids = (await cluster.docker(['node', 'ls', '-q', '--filter', `node.label=${label}`]))
      .split('\n')
      .filter(Boolean);
    expect(ids, label).to.have.length(1);
    return (
      await cluster.docker(['node', 'inspect', '-f', '{{.Description.Hostname}}', ids[0]!])
    ).trim();
  }

  it('restores the newest archive kept on another node after the data role moves; writes lost are at most one interval’s', async () => {
    const backupHost = await hostnameWithLabel('groundwork.backup=true');
    expect(await hostnameWithLabel('groundwork.data=true')).to.equal(cluster.name(1));
    expect(backupHost, 'the backups live on another node than the data').to.not.equal(
      cluster.name(1),
    );

    // A write every 500 ms, until the node dies; two scheduled archives taken meanwhile.
    const acked: Acked[] = [];
    const writing = { on: true };
    const writer = (async () => {
      for (let n = 0; writing.on; n += 1) {
        const reply = await client
          .call('/projects', {
            method: 'POST',
            token: user.token,
            json: { name: `${tag} ${n}`, budget: n, status: 'planning' },
          })
          .catch(() => undefined);
        if (reply?.status === 201)
          acked.push({ id: (reply.body as { id: string }).id, at: Date.now() });
        await sleep(500);
      }
    })();
    const started = Date.now();
    await waitUntil('two scheduled archives taken while writing', 180000, async () => {
      const times = (await make('backups'))
        .split('\n')
        .filter((line) => line.startsWith('groundwork-'))
        .map((line) => Date.parse(line.split(' ')[2]!));
      return times.filter((t) => t > started).length >= 2 ? true : undefined;
    });
    await sleep(Math.floor(Math.random() * INTERVAL_S * 1000));

    // The machine and its disk are gone: container and engine volume removed.
    const killed = Date.now();
    await sh('docker', ['rm', '-f', cluster.name(1)]);
    await sh('docker', ['volume', 'rm', `${cluster.name(1)}-docker`]);
    writing.on = false;
    await writer;

    // stack/README.md, "Losing the data node": the label leaves the dead node for a live
    // one (not the backup node, so the two roles stay apart).
    const target = [2, 3].map((n) => cluster.name(n)).find((name) => name !== backupHost)!;
    // Retried: the managers may still be electing a leader after losing node 1.
    await waitUntil('the data label moved', 60000, async () => {
      await cluster.docker(['node', 'update', '--label-rm', 'groundwork.data', cluster.name(1)]);
      await cluster.docker(['node', 'update', '--label-add', 'groundwork.data=true', target]);
      return true;
    });
    for (const service of ['mongo', 'redis', 'cache']) {
      await waitUntil(`${service} running on ${target}`, 300000, async () => {
        const out = await cluster.docker([
          'service',
          'ps',
          `${cluster.stack}_${service}`,
          '--filter',
          'desired-state=running',
          '--format',
          '{{.Node}} {{.CurrentState}}',
        ]);
        return out.split('\n').some((line) => line.startsWith(`${target} Running`))
          ? true
          : undefined;
      });
    }

    const restored = await make('restore');
    console.log(`      ${restored.trim().split('\n').join('\n      ')}`);
    const archive = /restored (groundwork-\S+\.tar\.gz)/.exec(restored)?.[1];
    expect(archive, restored).to.be.a('string');
    const line = (await make('backups')).split('\n').find((l) => l.startsWith(`${archive!} `));
    const archivedAt = Date.parse(line!.split(' ')[2]!);

    // Sessions lived in the lost state Redis: the user signs in again, with the old password.
    let token = '';
    await waitUntil('the user signs in again', 180000, async () => {
      const login = await client.call('/auth/login', {
        method: 'POST',
        json: { username: user.username, password: PASSWORD },
      });
      if (login.status !== 200) throw new Error(`login ${login.status} ${login.text}`);
      token = (login.body as { token: string }).token;
      return true;
    });
    const found = new Set((await listAllOnceAnswered(client, tag)).map((p) => p.id));
    const lost = acked.filter((a) => !found.has(a.id));
    console.log(
      `      ${acked.length} writes acknowledged, ${lost.length} lost; archive ${archive} taken ` +
        `${((killed - archivedAt) / 1000).toFixed(1)} s before the node died (RPO seen), interval ${INTERVAL_S} s`,
    );
    // Every write acknowledged before the archive was started is there; the lost ones are
    // newer, and no older than one interval plus the run itself before the node died.
    expect(lost.filter((a) => a.at < archivedAt)).to.deep.equal([]);
    expect((killed - archivedAt) / 1000).to.be.below(INTERVAL_S + 15);
    expect(found.size).to.be.at.least(acked.length - lost.length);

    const created = await client.call('/projects', {
      method: 'POST',
      token,
      json: { name: `${tag} after the restore`, budget: 1, status: 'planning' },
    });
    expect(created.status, created.text).to.equal(201);
    const id = (created.body as { id: string }).id;
    expect((await client.call(`/projects/${id}`)).status).to.equal(200);
  });
});
