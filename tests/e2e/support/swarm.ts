import { resolve } from 'node:path';
import { sh } from '../../support/commands.js';
import { waitUntil } from '../../support/wait-until.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The backup schedule the suite's stack runs with: scheduled archives within a test's wait. */
export const E2E_BACKUP_INTERVAL = '60';

/**
 * What stack/swarm.sh sets for stack/up.sh and stack/rollout.sh on this machine (no
 * registry): the offline override, the local Node base, no --pull.
 */
export const OFFLINE_ENV = {
  STACK_OVERRIDE: 'stack/offline/docker-stack.offline.yml',
  NODE_IMAGE: 'groundwork-offline/node',
  DOCKER_BUILD_PULL: 'false',
  SWARM_ADVERTISE_ADDR: '127.0.0.1',
} as const;

export function docker(...args: string[]): Promise<string> {
  return sh('docker', args);
}

/**
 * The real stack on this machine's engine, brought up by `make swarm`'s own script
 * (stack/swarm.sh up) and driven with the docker CLI an operator uses. All the
 * engine's nodes are this machine, so a task's container can be inspected locally.
 */
export class Swarm {
  readonly stack = 'groundwork';
  readonly port = process.env.SWARM_HTTP_PORT ?? '80';
  readonly url = `http://127.0.0.1:${this.port}`;
  readonly httpsPort = process.env.SWARM_HTTPS_PORT ?? '443';
  readonly httpsUrl = `https://127.0.0.1:${this.httpsPort}`;

  service(name: string): string {
    return `${this.stack}_${name}`;
  }

  /** `make swarm`; a first deploy backs up every minute (later deploys keep what runs). */
  up(): Promise<string> {
    return sh('bash', ['stack/swarm.sh', 'up', this.stack], {
      env: { BACKUP_INTERVAL: E2E_BACKUP_INTERVAL },
    });
  }

  /** `make swarm` again with other settings (EDGE_HTTPS_ONLY, EDGE_PROXY_FROM, ...). */
  redeploy(env: NodeJS.ProcessEnv): Promise<string> {
    return sh('bash', ['stack/swarm.sh', 'up', this.stack], { env });
  }

  down(): Promise<string> {
    return sh('bash', ['stack/swarm.sh', 'down', this.stack]);
  }

  /** `make up` as this machine runs it (stack/up.sh with OFFLINE_ENV), from `checkout`. */
  makeUp(env: NodeJS.ProcessEnv = {}, checkout = ROOT): Promise<string> {
    const all = { ...OFFLINE_ENV, HTTP_PORT: this.port, ...env };
    return sh('bash', ['stack/up.sh', this.stack], { env: all, cwd: checkout });
  }

  /** The Swarm secret a service mounts at /run/secrets/`target`. */
  async secretSource(name: string, target: string): Promise<string | undefined> {
    const format =
      '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.File.Name}}={{.SecretName}} {{end}}';
    const out = await docker('service', 'inspect', '-f', format, this.service(name));
    const pair = out
      .trim()
      .split(' ')
      .find((p) => p.startsWith(`${target}=`));
    return pair?.slice(target.length + 1);
  }

  /**
   * stack/swarm/test-stack.sh: `check` fails when a stack of this name runs that the
   * tests did not create (an operator's: its volumes are its data); `mark` records that
   * the tests created it, `unmark` that it is gone.
   */
  ownership(command: 'check' | 'mark' | 'unmark'): Promise<string> {
    return sh('bash', ['stack/swarm/test-stack.sh', command, this.stack]);
  }

  /** `make swarm-rollout` with the new image tagged `version`: exit 0 or not, and its output. */
  rollout(version: string): Promise<{ ok: boolean; output: string }> {
    return this.rolloutWith({ IMAGE_VERSION: version });
  }

  /** `make swarm-rollout IMAGE=image`: an image built already. */
  rolloutImage(image: string): Promise<{ ok: boolean; output: string }> {
    return this.rolloutWith({ IMAGE: image });
  }

  private async rolloutWith(env: NodeJS.ProcessEnv): Promise<{ ok: boolean; output: string }> {
    try {
      return {
        ok: true,
        output: await sh('bash', ['stack/swarm.sh', 'rollout', this.stack], { env }),
      };
    } catch (err) {
      return { ok: false, output: (err as Error).message };
    }
  }

  /** Ids of the running containers of one service (every node is this machine). */
  async containers(name: string): Promise<string[]> {
    const out = await docker(
      'ps',
      '-q',
      '--filter',
      `label=com.docker.swarm.service.name=${this.service(name)}`,
      '--filter',
      'status=running',
    );
    return out.split('\n').filter((id) => id !== '');
  }

  /** `docker exec` in a container, as the image's user unless `user` is given. */
  exec(container: string, command: string[], user?: string): Promise<string> {
    return docker('exec', ...(user === undefined ? [] : ['-u', user]), container, ...command);
  }

  /**
   * What one service logged since `since`, the way the runbook tells an SRE to read it
   * (stack/logs.sh: task by task, since `docker service logs` without -f may never
   * end once tasks have been replaced).
   */
  logs(name: string, since = '24h'): Promise<string> {
    return sh('bash', ['stack/logs.sh', this.stack, name, since]);
  }

  /** The image a service's spec names, without the digest a registry may add. */
  async image(name: string): Promise<string> {
    const format = '{{.Spec.TaskTemplate.ContainerSpec.Image}}';
    const out = await docker('service', 'inspect', '-f', format, this.service(name));
    return out.trim().split('@')[0]!;
  }

  /** UpdateStatus.State of a service ('' when it was never updated). */
  async updateState(name: string): Promise<string> {
    const out = await docker(
      'service',
      'inspect',
      '-f',
      '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}',
      this.service(name),
    );
    return out.trim();
  }

  /** Tasks of a service Swarm wants running, and how many of them run. */
  async replicas(name: string): Promise<{ running: number; desired: number }> {
    const out = await docker(
      'service',
      'ls',
      '--filter',
      `name=${this.service(name)}`,
      '--format',
      '{{.Name}} {{.Replicas}}',
    );
    const line = out.split('\n').find((l) => l.startsWith(`${this.service(name)} `)) ?? '';
    const match = /(\d+)\/(\d+)/.exec(line);
    return { running: Number(match?.[1] ?? 0), desired: Number(match?.[2] ?? -1) };
  }

  /** Resolves once the service runs all its desired tasks and no update is under way. */
  async converged(name: string, timeoutMs = 180000): Promise<void> {
    await waitUntil(`${this.service(name)} converged`, timeoutMs, async () => {
      const { running, desired } = await this.replicas(name);
      const state = await this.updateState(name);
      const busy = ['updating', 'rollback_started'].includes(state);
      return running === desired && !busy ? true : undefined;
    });
  }
}
