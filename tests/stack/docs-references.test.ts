import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack-file.js';

// Named on purpose though not in the tree: an older checkout's untracked file, which the
// docs tell operators to remove.
const GONE_ON_PURPOSE = new Set(['secrets/names.env']);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && existsSync(join(ROOT, file)));
// Where a variable or secret can be defined or read: every tracked file but the docs.
const sources = tracked
  .filter((file) => !file.endsWith('.md') && !file.endsWith('package-lock.json'))
  .filter((file) => /\.(ts|js|sh|yml|yaml|json|conf|template)$|Makefile$|Dockerfile$/.test(file))
  .map(read)
  .join('\n');
// Every document in the tree but the benchmark's generated report.
const DOCS = tracked.filter((file) => file.endsWith('.md') && !file.startsWith('stack/bench/'));
// Words of a lab notebook, not a reference: the docs say what is true wherever it runs.
const LAB_NOTES = /this machine|measured here/i;
const targets = new Set([...read('Makefile').matchAll(/^([a-z][a-z-]*):/gm)].map((m) => m[1]!));

/** Every `code span` of a document (fenced blocks included, line by line). */
function spans(doc: string): string[] {
  const text = read(doc);
  const inline = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  return [...inline, ...fenced];
}

/** Paths into the repository a document names: links and code spans that start with a top folder. */
function repoPaths(doc: string): string[] {
  const text = read(doc);
  const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((link) => !/^[a-z]+:/.test(link))
    .map((link) => join(doc.includes('/') ? doc.replace(/\/[^/]+$/, '') : '', link));
  const named = spans(doc)
    .flatMap((span) => span.split(/[\s"'=(),:]+/))
    .map((word) => word.replace(/[.;]+$/, ''))
    .filter((word) => /^(app|stack|tests|nginx|secrets|docs)\/[\w./-]*$/.test(word))
    .filter((word) => !/[*{}<>]|\.\.\./.test(word));
  return [...new Set([...links, ...named])];
}

describe('the docs name only what exists (every .md file: README.md, the runbook, design notes)', () => {
  it('finds the documents', () => {
    expect(DOCS).to.include.members(['README.md', 'stack/README.md', 'secrets/README.md']);
  });

  for (const doc of DOCS) {
    it(`${doc}: never says "this machine" or "measured here"`, () => {
      const lines = read(doc)
        .split('\n')
        .filter((line) => LAB_NOTES.test(line));
      expect(lines).to.deep.equal([]);
    });

    it(`${doc}: every repository path it names exists`, () => {
      // A test may be named without its extension (tests/unit/generic-modules).
      const exists = (path: string) =>
        ['', '.ts', '.test.ts'].some((ext) => existsSync(join(ROOT, path + ext)));
      const dead = repoPaths(doc).filter((path) => !exists(path) && !GONE_ON_PURPOSE.has(path));
      expect(dead).to.deep.equal([]);
    });

    it(`${doc}: every make target it names is in the Makefile`, () => {
      const named = spans(doc).flatMap((span) =>
        [...span.matchAll(/\bmake ([a-z][a-z-]*)\b/g)].map((m) => m[1]!),
      );
      const dead = [...new Set(named)].filter((target) => !targets.has(target));
      expect(dead).to.deep.equal([]);
    });

    it(`${doc}: every environment variable it names is read or set somewhere`, () => {
      const named = spans(doc).flatMap((span) =>
        [...span.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)].map((m) => m[1]!),
      );
      const dead = [...new Set(named)].filter((name) => !sources.includes(name));
      expect(dead).to.deep.equal([]);
    });

    it(`${doc}: every Swarm secret it names is one secrets/names.sh knows`, () => {
      const known = read('secrets/names.sh') + read('docker-stack.yml');
      const named = spans(doc).flatMap((span) =>
        [...span.matchAll(/\b([a-z]+(?:_[a-z]+)*_(?:password|key|cert))\b/g)].map((m) => m[1]!),
      );
      const dead = [...new Set(named)].filter((name) => !known.includes(name));
      expect(dead).to.deep.equal([]);
    });
  }
});
