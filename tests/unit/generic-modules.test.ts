import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const APP = resolve(import.meta.dirname, '../../app');
const GENERIC = ['cache', 'concurrency', 'http', 'openapi', 'rate-limit'];
// Shared plumbing every module may use; every other folder of app/ is a feature.
const INFRASTRUCTURE = ['config', 'db', 'errors', 'logging', 'metrics', 'redis'];
// What one feature may import of another: its public entry, nothing else.
const PUBLIC_ENTRY = 'index.ts';

/** Top-level folders of app/ that hold a feature (projects, auth, ...). */
function featureFolders(): string[] {
  return readdirSync(APP, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => !GENERIC.includes(name) && !INFRASTRUCTURE.includes(name));
}

/** The .ts files of one app/ folder, at any depth, as paths below that folder. */
function filesOf(folder: string): string[] {
  return readdirSync(join(APP, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

/** Every relative module a file imports, statically, dynamically or for its types. */
function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)];
  return specifiers.map((match) => match[1]!);
}

/** Where an import lands: its app/ folder ('' for a file directly under app/) and path. */
function targetOf(file: string, specifier: string): { folder: string; path: string } {
  const path = relative(APP, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
  return { folder: path.includes(sep) ? path.split(sep)[0]! : '', path };
}

/** `app/<folder>/<file> imports <specifier>` for each import of the folder that `allowed` refuses. */
function offendingImports(
  folder: string,
  allowed: (to: { folder: string; path: string }) => boolean,
) {
  return filesOf(folder).flatMap((name) => {
    const file = join(APP, folder, name);
    return relativeImports(file)
      .filter((specifier) => !allowed(targetOf(file, specifier)))
      .map((specifier) => `app/${folder}/${name} imports ${specifier}`);
  });
}

describe('layers: generic modules and infrastructure import no feature', () => {
  it('when the tree is read, then there are feature folders to keep out', () => {
    expect(featureFolders()).to.include.members(['projects', 'auth']);
  });

  for (const folder of [...GENERIC, ...INFRASTRUCTURE]) {
    it(`when a file in app/${folder}/ imports, then never from a feature folder or the composition root`, () => {
      const features = featureFolders();
      expect(filesOf(folder), `files in app/${folder}`).to.not.be.empty;
      const offending = offendingImports(
        folder,
        (to) => to.folder !== '' && !features.includes(to.folder),
      );
      expect(offending).to.deep.equal([]);
    });
  }
});

describe('layers: a feature uses another only through its public entry', () => {
  it('when a feature is used by another, then it has a public entry', () => {
    expect(existsSync(join(APP, 'auth', PUBLIC_ENTRY))).to.equal(true);
  });

  for (const folder of featureFolders()) {
    it(`when a file in app/${folder}/ imports another feature, then only its ${PUBLIC_ENTRY}, and never the composition root`, () => {
      const features = featureFolders();
      const offending = offendingImports(folder, (to) => {
        if (to.folder === '') return false;
        if (to.folder === folder || !features.includes(to.folder)) return true;
        return to.path === join(to.folder, PUBLIC_ENTRY);
      });
      expect(offending).to.deep.equal([]);
    });
  }
});
