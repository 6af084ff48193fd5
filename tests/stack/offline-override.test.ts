import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { normalize, readStack, ROOT, type StackFile } from './stack-file.js';

const OVERRIDE = 'stack/offline/docker-stack.offline.yml';

/** What `docker stack deploy -c ... -c ...` would deploy, as the docker CLI merges it. */
function merged(files: string[]): StackFile {
  const args = ['stack', 'config', ...files.flatMap((file) => ['-c', file])];
  const env = { ...process.env, GROUNDWORK_IMAGE: 'groundwork:test' };
  return parse(execFileSync('docker', args, { cwd: ROOT, env, encoding: 'utf8' })) as StackFile;
}

/** Paths of every list in a YAML document: the values a second stack file would append to. */
function lists(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => lists(child, `${path}.${key}`));
}

describe('the offline override (stack/offline/docker-stack.offline.yml)', () => {
  const override = parse(readFileSync(join(ROOT, OVERRIDE), 'utf8')) as StackFile;

  it('holds no list: the docker CLI appends a second file’s lists to the first’s', () => {
    expect(lists(override)).to.deep.equal([]);
  });

  it('changes only images: merged with docker-stack.yml, every healthcheck, command and entrypoint is the production one', () => {
    const base = merged(['docker-stack.yml']);
    const both = merged(['docker-stack.yml', OVERRIDE]);
    for (const [name, service] of Object.entries(base.services)) {
      const { image: baseImage, ...baseRest } = service;
      const { image, ...rest } = both.services[name]!;
      expect(normalize(rest), name).to.deep.equal(normalize(baseRest));
      const expected = override.services[name]?.image ?? baseImage;
      expect(image, name).to.equal(expected);
    }
    expect(both.networks).to.deep.equal(base.networks);
    expect(both.secrets).to.deep.equal(base.secrets);
  });

  it('names every service of docker-stack.yml whose image comes from a registry, except those that run the app image (built here)', () => {
    const registry = Object.entries(readStack().services)
      .filter(([, service]) => !service.image?.startsWith('${GROUNDWORK_IMAGE'))
      .map(([name]) => name)
      .sort();
    expect(Object.keys(override.services).sort()).to.deep.equal(registry);
  });
});
