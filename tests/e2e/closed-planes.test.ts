import { expect } from 'chai';
import { sh } from '../support/commands.js';
import { waitUntil } from '../support/wait-until.js';
import { docker, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

// Run inside a web task with the image's Node: GETs (or POSTs) each URL once and prints,
// per URL, "status NNN" or "error CODE". The same probe must reach what web should
// reach, or a closed port would prove nothing.
const PROBE = `
const urls = process.argv.slice(1);
Promise.all(urls.map(async (url) => {
  const post = url.endsWith('/silences');
  try {
    const res = await fetch(url, {
      method: post ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json' },
      body: post ? '{}' : undefined,
      signal: AbortSignal.timeout(3000),
    });
    return [url, 'status ' + res.status];
  } catch (err) {
    return [url, 'error ' + (err.cause?.code ?? err.name)];
  }
})).then((pairs) => console.log(JSON.stringify(Object.fromEntries(pairs))));
`;

/** Every IPv4 address of a service's running task: its overlays' and its docker_gwbridge one. */
async function addresses(swarm: Swarm, name: string): Promise<string[]> {
  const [id] = await swarm.containers(name);
  if (id === undefined) throw new Error(`${name} has no running task`);
  const overlays = await docker(
    'inspect',
    '-f',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    id,
  );
  const bridge = await docker(
    'network',
    'inspect',
    'docker_gwbridge',
    '-f',
    '{{range $id, $c := .Containers}}{{$id}} {{$c.IPv4Address}}{{"\\n"}}{{end}}',
  );
  const gateway = bridge
    .split('\n')
    .filter((line) => id.length > 0 && line.startsWith(id))
    .map((line) => line.split(' ')[1]!.replace(/\/.*/, ''));
  return [...overlays.split(/\s+/), ...gateway].filter((a) => a !== '');
}

describe('e2e swarm: a web task cannot reach the monitoring plane', function () {
  this.timeout(180000);
  let web: string;
  const swarm = useSwarm({}, async () => {
    [web] = (await swarm.containers('web')) as [string];
  });

  const probe = async (urls: string[]) =>
    JSON.parse(await swarm.exec(web, ['node', '-e', PROBE, ...urls])) as Record<string, string>;

  it("when a web task opens Prometheus's or Alertmanager's API by name or by any of their addresses, then nothing answers; the same probe reaches a replica and an exporter", async () => {
    const closed = [
      'http://alertmanager:9093/api/v2/silences',
      'http://tasks.alertmanager:9093/api/v2/status',
      'http://prometheus:9090/api/v1/status/config',
      'http://tasks.prometheus:9090/api/v1/status/config',
      ...(await addresses(swarm, 'alertmanager')).map((a) => `http://${a}:9093/api/v2/silences`),
      ...(await addresses(swarm, 'prometheus')).map((a) => `http://${a}:9090/api/v1/status/config`),
    ];
    const open = [
      'http://tasks.web:3000/healthz',
      'http://tasks.node-exporter:9100/metrics',
      'http://tasks.nginx-exporter:9113/metrics',
    ];
    const seen = await probe([...closed, ...open]);
    console.log(`      from web: ${JSON.stringify(seen)}`);
    for (const url of closed) expect(seen[url], url).to.match(/^error /);
    for (const url of open) expect(seen[url], url).to.equal('status 200');
  });

  it('when Prometheus is asked from its node (make monitor), then it answers and scrapes every web replica, the exporters and itself', async () => {
    const monitor = await sh('bash', ['stack/monitor.sh', swarm.stack]);
    const prometheus = /^prometheus (\S+)$/m.exec(monitor)?.[1];
    expect(prometheus, monitor).to.match(/^http:/);
    const { running } = await swarm.replicas('web');
    // The targets as scraped now (not `up` series, which outlive a restart for 5 minutes).
    const up = await waitUntil('every target up', 120000, async () => {
      const res = await fetch(`${prometheus}/api/v1/targets?state=active`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as {
        data: { activeTargets: { scrapePool: string; health: string }[] };
      };
      const jobs = body.data.activeTargets
        .filter((t) => t.health === 'up')
        .map((t) => t.scrapePool);
      const count = (job: string) => jobs.filter((j) => j === job).length;
      const all =
        count('web') === running &&
        ['prometheus', 'alertmanager', 'node', 'nginx'].every((job) => count(job) > 0);
      return all ? jobs : undefined;
    });
    console.log(`      targets up: ${up.sort().join(', ')}`);
  });
});

describe("e2e swarm: the app's Redis user runs only the app's commands", function () {
  this.timeout(120000);
  const swarm = useSwarm();

  // As the healthcheck does: the password from the container's own secret file, in
  // REDISCLI_AUTH, never on a command line. An error reply is output, not a failure.
  const cli = async (service: string, ...command: string[]) => {
    const [id] = await swarm.containers(service);
    const script =
      'REDISCLI_AUTH="$(cat "$REDIS_SECRET_FILE")" redis-cli --user groundwork "$@" 2>&1 || true';
    return (await swarm.exec(id!, ['sh', '-c', script, 'cli', ...command])).trim();
  };

  it('when FLUSHALL, CONFIG, KEYS, DEBUG or SHUTDOWN is sent to either Redis as the app, then it is refused; PING is not', async () => {
    for (const service of ['redis', 'cache']) {
      expect(await cli(service, 'PING'), service).to.equal('PONG');
      for (const command of [['FLUSHALL'], ['CONFIG', 'GET', '*'], ['KEYS', '*'], ['SHUTDOWN']]) {
        expect(await cli(service, ...command), `${service} ${command[0]}`).to.match(/^NOPERM/);
      }
      expect(await cli(service, 'DEBUG', 'SLEEP', '0'), `${service} DEBUG`).to.match(
        /^(NOPERM|ERR DEBUG command not allowed)/,
      );
      // `default` has a random password nobody holds: the secret alone, without the user name, opens nothing.
      const [id] = await swarm.containers(service);
      const anonymous = await swarm.exec(id!, [
        'sh',
        '-c',
        'REDISCLI_AUTH="$(cat "$REDIS_SECRET_FILE")" redis-cli PING 2>&1 || true',
      ]);
      expect(anonymous.trim(), service).to.not.equal('PONG');
    }
  });
});
