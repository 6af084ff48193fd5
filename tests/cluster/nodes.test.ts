import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { missing } from '../e2e/support/checks.js';
import { Client } from '../e2e/support/client.js';
import { Load, type LoadResult } from '../e2e/support/load.js';
import { sh } from '../support/commands.js';
import { waitUntil } from '../support/wait-until.js';
import { sharedCluster, type Cluster } from './support/cluster.js';
import { signUp, type User } from '../support/sign-up.js';
import { stopwatch } from '../support/latency.js';

/**
 * The stack on 3 Swarm nodes (`make cluster`) under steady reads and writes: 4 users,
 * each 3 reads and 0.4 creates a second, sent through the nginx of the nodes named.
 * Node 1 holds the data; nodes 2 and 3 hold none, so they may be drained or die.
 */
describe('the stack on a 3-node cluster (make cluster)', function () {
  this.timeout(600000);
  let cluster: Cluster;
  let users: User[];

  before(async function () {
    this.timeout(1200000);
    cluster = await sharedCluster();
    const client = new Client(cluster.endpoints[0]!, '127.0.0.1');
    const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
    try {
      users = [];
      for (let i = 0; i < 4; i += 1) users.push(await signUp(client, `cl_${run}_${i}`));
    } finally {
      client.close();
    }
  });

  /** Runs `during` under load through `urls`; the load's combined result. */
  async function underLoad(tag: string, urls: string[], during: () => Promise<void>) {
    const loads = urls.map(
      (url, i) =>
        new Load(
          url,
          tag,
          users.filter((_, u) => u % urls.length === i),
        ),
    );
    try {
      for (const load of loads) await load.prepare();
      for (const load of loads) load.start(300000);
      await during();
      const results = await Promise.all(loads.map((load) => load.stop()));
      for (const load of loads)
        console.log(`      ${tag} via ${load.clients[0]!.base}: ${load.summary()}`);
      return combine(results);
    } finally {
      for (const load of loads) load.close();
    }
  }

  const nginxOf = (...nodes: number[]) => nodes.map((node) => cluster.endpoints[node - 1]!);

  it('spreads web one replica per node, and every node’s nginx answers', async () => {
    const byNode = await cluster.webByNode();
    expect(Object.values(byNode).sort(), JSON.stringify(byNode)).to.deep.equal([1, 1, 1]);
    for (const url of cluster.endpoints) {
      const client = new Client(url, '127.0.0.1');
      try {
        expect((await client.call('/version')).status, url).to.equal(200);
      } finally {
        client.close();
      }
    }
  });

  it('drains node 2 with 0 failed requests through the others, reschedules its replica, and takes it back', async () => {
    const result = await underLoad('drain', nginxOf(1, 3), async () => {
      await pause(5000);
      await cluster.setAvailability(2, 'drain');
      await waitUntil('web at 3 replicas, none on node 2', 120000, async () => {
        const byNode = await cluster.webByNode();
        const total = Object.values(byNode).reduce((a, b) => a + b, 0);
        return total === 3 && !byNode[cluster.name(2)] ? true : undefined;
      });
      await cluster.setAvailability(2, 'active');
      // Taken back: its nginx (a global task) serves again, as the next tests expect.
      await cluster.edgeServes(2);
    });
    expect(await cluster.nodeState(2)).to.equal('ready active');
    expect([...result.failedReads, ...result.failedWrites]).to.deep.equal([]);
    expect(await missing(cluster, 'drain', result.acked)).to.deep.equal([]);
  });

  it('rolls an update across the nodes with 0 failed requests', async () => {
    const previous = await cluster.webImage();
    const next = `${previous.replace(/:.*$/, '')}:cluster-roll-${Date.now().toString(36)}`;
    for (const node of [1, 2, 3]) await cluster.docker(['tag', previous, next], node);
    const result = await underLoad('roll', nginxOf(1, 2, 3), async () => {
      const output = await cluster.rollout(next);
      expect(output).to.include(`every running task of groundwork_web runs ${next}`);
    });
    expect([...result.failedReads, ...result.failedWrites]).to.deep.equal([]);
    expect(await missing(cluster, 'roll', result.acked)).to.deep.equal([]);
  });

  it('updates nginx node by node three times, the third a certificate change, under reads and writes through the balancer: 0 failed, 0 lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'groundwork-cluster-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    try {
      await sh('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=groundwork-cluster',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      const result = await underLoad('edge', [cluster.balancer], async () => {
        await pause(5000);
        // Two forced updates, then make tls: each replaces nginx one node at a time.
        for (let run = 1; run <= 2; run += 1) {
          await cluster.docker([
            'service',
            'update',
            '--force',
            '--detach=false',
            '-q',
            'groundwork_nginx',
          ]);
        }
        await sh('bash', ['stack/tls.sh', cert, key, cluster.stack], {
          env: { ...cluster.engine(), NAMES: '127.0.0.1' },
        });
        await pause(5000);
      });
      expect([...result.failedReads, ...result.failedWrites]).to.deep.equal([]);
      expect(await missing({ url: cluster.balancer }, 'edge', result.acked)).to.deep.equal([]);
      // Every node's nginx now serves the new certificate through the balancer.
      const expected = new X509Certificate(readFileSync(cert)).fingerprint256;
      for (let i = 0; i < 6; i += 1)
        expect(await servedFingerprint(cluster.balancer)).to.equal(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a non-data manager dies: 0 failed reads via the others, acknowledged writes kept, web back to 3 within 90 s, the swarm still takes updates', async () => {
    const byNode = await cluster.webByNode();
    const victim = byNode[cluster.name(3)] ? 3 : 2;
    expect(byNode[cluster.name(victim)], 'the node to kill runs a web replica').to.be.at.least(1);
    let recoveredMs = 0;
    try {
      const result = await underLoad(
        'kill',
        nginxOf(...[1, 2, 3].filter((n) => n !== victim)),
        async () => {
          await pause(5000);
          const killed = stopwatch();
          await cluster.kill(victim);
          await waitUntil('web back to 3 running replicas', 90000, async () =>
            (await cluster.webRunning()) === 3 && !(await cluster.webByNode())[cluster.name(victim)]
              ? true
              : undefined,
          );
          recoveredMs = killed.ms();
          await pause(10000);
        },
      );
      console.log(
        `      web back to 3 replicas ${(recoveredMs / 1000).toFixed(1)} s after the kill`,
      );
      // Two of three managers left: still a quorum, so the swarm accepts a change.
      const stamp = Date.now().toString();
      const label = `probe=${stamp}`;
      await cluster.docker([
        'service',
        'update',
        '--detach',
        '--label-add',
        label,
        'groundwork_web',
      ]);
      expect(await cluster.serviceLabel('probe')).to.equal(stamp);
      expect(await missing(cluster, 'kill', result.acked)).to.deep.equal([]);
      if (result.failedReads.length > 0) {
        // What each nginx tried for them: upstream addresses, statuses and times.
        const failed = (await cluster.logs('nginx', '5m'))
          .split('\n')
          .filter((line) => /"status":50[234]/.test(line) && /"method":"(GET|HEAD)"/.test(line));
        console.log(`      nginx's lines for failed reads:\n${failed.join('\n')}`);
      }
      expect(result.failedReads).to.deep.equal([]);
    } finally {
      // Whatever failed, the machine boots again for the tests after this one.
      await cluster.start(victim);
    }
  });

  it('when the killed node is back, make rebalance puts one web replica on each node again', async () => {
    console.log(
      `      web per node once the node is back: ${JSON.stringify(await cluster.webByNode())}`,
    );
    const output = await sh('make', ['--no-print-directory', '-s', 'rebalance'], {
      env: cluster.engine(),
    });
    console.log(`      ${output.trim().split('\n').join('\n      ')}`);
    const byNode = await cluster.webByNode();
    expect(Object.keys(byNode).sort()).to.deep.equal([1, 2, 3].map((n) => cluster.name(n)));
    expect(Object.values(byNode)).to.deep.equal([1, 1, 1]);
  });
});

function combine(results: LoadResult[]): LoadResult {
  return results.reduce((a, b) => ({
    reads: a.reads + b.reads,
    writes: a.writes + b.writes,
    acked: [...a.acked, ...b.acked],
    failedReads: [...a.failedReads, ...b.failedReads],
    failedWrites: [...a.failedWrites, ...b.failedWrites],
    limited: a.limited + b.limited,
  }));
}

/** The certificate that the balancer's HTTPS port serves, by SHA-256 fingerprint. */
function servedFingerprint(balancer: string): Promise<string> {
  const port = Number(process.env.CLUSTER_HTTPS_PORT ?? 18443);
  const host = new URL(balancer).hostname;
  return new Promise((done, fail) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      done(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', fail);
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
