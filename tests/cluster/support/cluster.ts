import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '../../e2e/support/client.js';
import { sh } from '../../support/commands.js';
import { waitUntil } from '../../support/wait-until.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SUBNET_PREFIX = (process.env.CLUSTER_SUBNET ?? '172.30.213.0/24').replace(/\.\d+\/\d+$/, '');

/**
 * `make cluster`'s swarm, driven as an operator would: the docker CLI pointed at one
 * node's engine (DOCKER_HOST), and this machine's engine for the node containers
 * themselves (`docker kill groundwork-node3` is a machine dying). Nodes are 1-based.
 */
export class Cluster {
  readonly stack = 'groundwork';
  /** The balancer in front of every node (HAProxy, PROXY protocol). */
  balancer = '';
  /** One node's nginx each, through the balancer. */
  endpoints: string[] = [];
  /** The manager whose engine the CLI talks to; moved when that node is killed. */
  via = 1;

  get url(): string {
    return this.endpoints[this.via - 1]!;
  }

  name(node: number): string {
    return `groundwork-node${node}`;
  }

  /** `make cluster`, with settings (BACKUP_INTERVAL=...) in `env`. */
  async up(env: NodeJS.ProcessEnv = {}): Promise<string> {
    const output = await sh('bash', ['stack/cluster.sh', 'up'], { env });
    this.balancer = readFileSync(resolve(ROOT, '.local/cluster/balancer'), 'utf8').trim();
    this.endpoints = readFileSync(resolve(ROOT, '.local/cluster/endpoints'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    return output;
  }

  down(): Promise<string> {
    return sh('bash', ['stack/cluster.sh', 'down']);
  }

  /** DOCKER_HOST for one node's engine (default: the one in `via`). */
  engine(node = this.via): { DOCKER_HOST: string } {
    return { DOCKER_HOST: `tcp://${SUBNET_PREFIX}.${10 + node}:2375` };
  }

  /** The docker CLI against one node's engine (default: the one in `via`). */
  docker(args: string[], node = this.via): Promise<string> {
    return sh('docker', args, { env: this.engine(node) });
  }

  /** Running web replicas per node hostname. */
  async webByNode(): Promise<Record<string, number>> {
    const out = await this.docker([
      'service',
      'ps',
      `${this.stack}_web`,
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Node}} {{.CurrentState}}',
    ]);
    const counts: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const [node, state] = line.split(' ');
      if (node && state === 'Running') counts[node] = (counts[node] ?? 0) + 1;
    }
    return counts;
  }

  async webRunning(): Promise<number> {
    return Object.values(await this.webByNode()).reduce((a, b) => a + b, 0);
  }

  async nodeState(node: number): Promise<string> {
    const format = '{{.Status.State}} {{.Spec.Availability}}';
    return (await this.docker(['node', 'inspect', '-f', format, this.name(node)])).trim();
  }

  setAvailability(node: number, availability: 'active' | 'drain'): Promise<string> {
    return this.docker(['node', 'update', '--availability', availability, this.name(node)]);
  }

  /** The machine dies: its container gets SIGKILL, its engine and tasks with it. */
  kill(node: number): Promise<string> {
    return sh('docker', ['kill', this.name(node)]);
  }

  /** The machine boots again; resolves once its engine answers and the swarm says Ready. */
  async start(node: number, timeoutMs = 120000): Promise<void> {
    await sh('docker', ['start', this.name(node)]);
    await waitUntil(`${this.name(node)} ready again`, timeoutMs, async () =>
      (await this.nodeState(node)).startsWith('ready') ? true : undefined,
    );
  }

  /** Resolves once `node`'s nginx answers through its balancer listener (a global task restarts late). */
  async edgeServes(node: number, timeoutMs = 90000): Promise<void> {
    const client = new Client(this.endpoints[node - 1]!, '127.0.0.1');
    try {
      await waitUntil(`${this.name(node)}'s nginx serving`, timeoutMs, async () =>
        (await client.call('/version')).status === 200 ? true : undefined,
      );
    } finally {
      client.close();
    }
  }

  async serviceLabel(key: string): Promise<string> {
    const format = `{{index .Spec.Labels "${key}"}}`;
    return (await this.docker(['service', 'inspect', '-f', format, `${this.stack}_web`])).trim();
  }

  /** `make rollout IMAGE=...` against the cluster; `image` must exist on every node. */
  rollout(image: string): Promise<string> {
    return sh('bash', ['stack/rollout.sh', this.stack], {
      env: { ...this.engine(), IMAGE: image },
    });
  }

  /** What a service logged over the last `since` (stack/logs.sh, which ends). */
  logs(service: string, since: string): Promise<string> {
    return sh('bash', ['stack/logs.sh', this.stack, service, since], {
      env: this.engine(),
    });
  }

  async webImage(): Promise<string> {
    const format = '{{.Spec.TaskTemplate.ContainerSpec.Image}}';
    const out = await this.docker(['service', 'inspect', '-f', format, `${this.stack}_web`]);
    return out.trim().replace(/@.*$/, '');
  }
}

export const CLUSTER_BACKUP_INTERVAL = 30;

let shared: Promise<Cluster> | undefined;
let started: Cluster | undefined;

/** One cluster for every cluster test file, brought up by the first that asks. */
export function sharedCluster(): Promise<Cluster> {
  shared ??= (async () => {
    const cluster = new Cluster();
    started = cluster;
    // Backups every 30 s, so the restore drill sees scheduled archives within a minute.
    const output = await cluster.up({ BACKUP_INTERVAL: String(CLUSTER_BACKUP_INTERVAL) });
    console.log(`      ${output.split('\n').find((l) => l.includes(' converged in ')) ?? ''}`);
    return cluster;
  })();
  return shared;
}

/** Removes the cluster, whatever failed; CLUSTER_KEEP=1 leaves it for a look. */
export async function removeSharedCluster(): Promise<void> {
  const cluster = started;
  started = undefined;
  if (!cluster || process.env.CLUSTER_KEEP !== undefined) return;
  await cluster.down();
}

// Root-level hook: after the last test of the run. And if mocha itself is killed or
// exits early, the node containers still go (synchronously: 'exit' runs no promises).
after(async function removeCluster(this: Mocha.Context) {
  this.timeout(300000);
  await removeSharedCluster();
});
process.on('exit', () => {
  if (started && process.env.CLUSTER_KEEP === undefined) {
    try {
      execFileSync('bash', ['stack/cluster.sh', 'down'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      // Nothing more can be done while exiting; `make cluster-down` removes it.
    }
  }
});
