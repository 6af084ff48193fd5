import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import {
  escapeDollars,
  withoutEncryption,
  type RenderedStack,
} from '../../stack/cluster/unencrypted-stack.js';
import { normalize, ROOT, type StackFile } from './stack-file.js';

const ENV = { ...process.env, GROUNDWORK_IMAGE: 'groundwork:test' };

/** `docker stack config` of the files given, or of a stack read from stdin. */
function config(args: string[], input?: string): StackFile {
  const out = execFileSync('docker', ['stack', 'config', ...args], {
    cwd: ROOT,
    env: ENV,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  return parse(out) as StackFile;
}

/** What `make cluster` deploys: the offline merge, then stack/cluster/unencrypted-stack.ts. */
function clusterStack(): StackFile {
  const merged = parse(
    execFileSync(
      'docker',
      ['stack', 'config', '-c', 'docker-stack.yml', '-c', 'stack/offline/docker-stack.offline.yml'],
      {
        cwd: ROOT,
        env: ENV,
        encoding: 'utf8',
      },
    ),
  ) as RenderedStack;
  const rendered = JSON.stringify(escapeDollars(withoutEncryption(merged)));
  // Read back as the deploy reads it (interpolated again): JSON is YAML.
  return config(['-c', '-'], rendered);
}

describe('the cluster’s stack (make cluster, STACK_UNENCRYPTED=true)', () => {
  const production = config(['-c', 'docker-stack.yml']);
  const cluster = clusterStack();

  it('is production’s stack but for images and the overlays’ encrypted option', () => {
    for (const [name, service] of Object.entries(production.services)) {
      const expected: Record<string, unknown> = { ...service };
      const actual: Record<string, unknown> = { ...cluster.services[name] };
      delete expected.image;
      delete actual.image;
      expect(normalize(actual), name).to.deep.equal(normalize(expected));
    }
    expect(Object.keys(cluster.services).sort()).to.deep.equal(
      Object.keys(production.services).sort(),
    );
    const networks = production.networks as Record<string, { driver_opts?: object }>;
    expect(networks.backend?.driver_opts).to.deep.equal({ encrypted: 'true' });
    expect(networks.frontend?.driver_opts).to.deep.equal({ encrypted: 'true' });
    const plain = Object.fromEntries(
      Object.entries(networks).map(([name, network]) => {
        const copy: Record<string, unknown> = { ...network };
        delete copy.driver_opts;
        return [name, copy];
      }),
    );
    expect(cluster.networks).to.deep.equal(plain);
    expect(cluster.secrets).to.deep.equal(production.secrets);
    expect(cluster.volumes).to.deep.equal(production.volumes);
  });

  it('keeps a literal $ literal through the second interpolation (redis’s healthcheck)', () => {
    const test = cluster.services.redis!.healthcheck!.test.join(' ');
    expect(test).to.include('REDISCLI_AUTH="$(cat "$REDIS_SECRET_FILE")"');
  });
});
