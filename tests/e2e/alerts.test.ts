import { expect } from 'chai';
import { AlertReceiver } from './support/alert-receiver.js';
import { sh } from '../support/commands.js';
import { waitUntil } from '../support/wait-until.js';
import { docker, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { SCRAPE_JOBS } from '../stack/stack-file.js';

// The stack redeployed with short intervals (stack/monitoring/render.sh), the way an
// operator sets a receiver: ALERT_WEBHOOK_URL=... make swarm (or make up).
const SCRAPE_S = 2;
const FOR_S = 4;
const FAST = {
  MONITOR_SCRAPE_INTERVAL: `${SCRAPE_S}s`,
  MONITOR_ALERT_FOR: `${FOR_S}s`,
  MONITOR_GROUP_WAIT: '1s',
  MONITOR_GROUP_INTERVAL: '2s',
};
// What the rule needs (its `for:` plus two scrapes), then a generous allowance for
// rule evaluation, group_wait and a loaded machine: a hang fails, slowness is printed.
const NOMINAL_S = FOR_S + 2 * SCRAPE_S;
const BOUND_MS = (NOMINAL_S + 60) * 1000;

/** `make monitor`'s lines ("NAME URL") as a map. */
async function monitorUrls(swarm: Swarm): Promise<Record<string, string>> {
  const out = await sh('bash', ['stack/monitor.sh', swarm.stack]);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
}

async function query(
  prometheus: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

function seconds(from: number, to: number): string {
  return ((to - from) / 1000).toFixed(1);
}

describe('e2e swarm: alerts fire and resolve end to end', () => {
  let prometheus: string;
  const receiver = new AlertReceiver();

  const swarm = useSwarm({}, async () => {
    await receiver.start();
    await sh('bash', ['stack/swarm.sh', 'up', swarm.stack], {
      env: { ...FAST, ALERT_WEBHOOK_URL: receiver.url },
    });
    // The new configuration is loaded and every replica is an `up` target again.
    prometheus = await waitUntil(
      'Prometheus scrapes 3 web replicas every 2 s',
      120000,
      async () => {
        const url = (await monitorUrls(swarm)).prometheus!;
        const res = await fetch(`${url}/api/v1/status/config`, {
          signal: AbortSignal.timeout(5000),
        });
        const { data } = (await res.json()) as { data: { yaml: string } };
        const up = await query(url, 'up{job="web"} == 1');
        return data.yaml.includes(`scrape_interval: ${SCRAPE_S}s`) && up.length === 3
          ? url
          : undefined;
      },
    );
  });
  after(async () => {
    await receiver.close();
  });

  it('prints where `make monitor` says Prometheus and Alertmanager are, and both answer there', async () => {
    const urls = await monitorUrls(swarm);
    expect(Object.keys(urls)).to.deep.equal(['prometheus', 'alertmanager']);
    expect((await fetch(`${urls.prometheus}/-/ready`)).status).to.equal(200);
    expect((await fetch(`${urls.alertmanager}/-/ready`)).status).to.equal(200);
    const targets = await query(prometheus, 'up == 1');
    const jobs = new Set(targets.map((t) => t.metric.job));
    console.log(
      `      make monitor: ${JSON.stringify(urls)}; up targets: ${targets.length} (${[...jobs].sort().join(', ')})`,
    );
    expect([...jobs].sort()).to.deep.equal(SCRAPE_JOBS);
  });

  it('when Redis is scaled to 0, then RedisUnreachable reaches the webhook within its for plus two scrapes (and slack), and resolves once Redis is back', async function (this: Mocha.Context) {
    this.timeout(600000);
    await docker('service', 'scale', '-d', `${swarm.service('redis')}=0`);
    const gone = await waitUntil('no Redis container running', 60000, async () =>
      (await swarm.containers('redis')).length === 0 ? Date.now() : undefined,
    );
    let back: number;
    try {
      const fired = await receiver.until('RedisUnreachable', 'firing', gone, BOUND_MS);
      console.log(
        `      RedisUnreachable fired ${seconds(gone, fired)} s after Redis stopped (for ${FOR_S} s + 2 scrapes = ${NOMINAL_S} s)`,
      );
    } finally {
      await docker('service', 'scale', '-d', `${swarm.service('redis')}=1`);
      await swarm.converged('redis');
      back = Date.now();
    }
    const resolved = await receiver.until('RedisUnreachable', 'resolved', back, BOUND_MS);
    console.log(
      `      RedisUnreachable resolved ${seconds(back, resolved)} s after Redis was back`,
    );
  });

  it('when a web task is killed, then WebReplicaDown fires and resolves once Swarm has replaced it', async function (this: Mocha.Context) {
    this.timeout(600000);
    // WebReplicaDown's yardstick is the most replicas seen in the last hour: a scale-down
    // earlier in the run would keep it active (this file runs before scale.test.ts).
    await waitUntil('WebReplicaDown not active before the kill', 120000, async () =>
      (await query(prometheus, 'ALERTS{alertname="WebReplicaDown"}')).length === 0
        ? true
        : undefined,
    );
    const [victim] = await swarm.containers('web');
    await docker('kill', victim!);
    const killed = Date.now();
    const fired = await receiver.until('WebReplicaDown', 'firing', killed, BOUND_MS);
    console.log(
      `      WebReplicaDown fired ${seconds(killed, fired)} s after the kill (for ${FOR_S} s + 2 scrapes = ${NOMINAL_S} s)`,
    );
    const resolved = await receiver.until('WebReplicaDown', 'resolved', fired, 180000);
    console.log(
      `      WebReplicaDown resolved ${seconds(killed, resolved)} s after the kill (Swarm's replacement answering)`,
    );
    await swarm.converged('web');
  });

  it('reports what Prometheus costs: scrape durations per job and its memory', async () => {
    const durations = await query(prometheus, 'max by (job) (scrape_duration_seconds)');
    const memory = await query(prometheus, 'process_resident_memory_bytes{job="prometheus"}');
    const series = await query(prometheus, 'prometheus_tsdb_head_series');
    for (const d of durations) {
      console.log(`      scrape ${d.metric.job}: ${(Number(d.value[1]) * 1000).toFixed(1)} ms`);
    }
    console.log(
      `      Prometheus RSS ${(Number(memory[0]?.value[1]) / 2 ** 20).toFixed(0)} MiB, ${series[0]?.value[1]} head series`,
    );
    expect(durations.length).to.be.at.least(5);
  });

  it('when make up runs again without ALERT_WEBHOOK_URL, then Alertmanager keeps the receiver it had', async function (this: Mocha.Context) {
    this.timeout(600000);
    await swarm.makeUp();
    const alertmanager = (await monitorUrls(swarm)).alertmanager!;
    const config = await waitUntil(
      'Alertmanager answers with its configuration',
      120000,
      async () => {
        const res = await fetch(`${alertmanager}/api/v2/status`, {
          signal: AbortSignal.timeout(5000),
        });
        return res.ok
          ? ((await res.json()) as { config: { original: string } }).config.original
          : undefined;
      },
    );
    expect(config).to.include(receiver.url);
  });
});
