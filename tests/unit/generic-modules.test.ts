import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const APP = resolve(import.meta.dirname, '../../app');
const GENERIC = ['cache', 'concurrency', 'http', 'openapi'];
// Shared plumbing every module may use; every other folder of app/ is a feature.
const INFRASTRUCTURE = ['config', 'db', 'errors', 'logging', 'metrics', 'redis'];

/** Top-level folders of app/ that hold a feature (projects, auth, ...). */
function featureFolders(): string[] {
  return readdirSync(APP, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => !GENERIC.includes(name) && !INFRASTRUCTURE.includes(name));
}

/** Every relative module a file imports, statically, dynamically or for its types. */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)];
  return specifiers.map((match) => match[1]!);
}

/** The app/ folder an import lands in ('' for a file directly under app/). */
function folderOf(file: string, specifier: string): string {
  const target = relative(APP, resolve(dirname(file), specifier));
  return target.includes(sep) ? target.split(sep)[0]! : '';
}

describe('layers: generic modules and infrastructure import no feature', () => {
  it('when the tree is read, then there are feature folders to keep out', () => {
    expect(featureFolders()).to.include.members(['projects', 'auth']);
  });

  for (const folder of [...GENERIC, ...INFRASTRUCTURE]) {
    it(`when a file in app/${folder}/ imports, then never from a feature folder or the composition root`, () => {
      const features = featureFolders();
      const files = readdirSync(join(APP, folder)).filter((name) => name.endsWith('.ts'));
      expect(files, `files in app/${folder}`).to.not.be.empty;
      const offending = files.flatMap((name) => {
        const file = join(APP, folder, name);
        return relativeImports(file)
          .filter((specifier) => {
            const target = folderOf(file, specifier);
            return target === '' || features.includes(target);
          })
          .map((specifier) => `app/${folder}/${name} imports ${specifier}`);
      });
      expect(offending).to.deep.equal([]);
    });
  }
});
