import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { Db } from 'mongodb';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { backupEnv, cli, dropAll, snapshot, useBackupDir } from './support.js';
import { signUp } from '../../support/sign-up.js';

/**
 * A restore checks the whole archive before it touches anything: a truncated,
 * tampered or foreign archive is refused (exit 2) even with --force, and a database
 * holding data is refused (exit 3) without --force.
 */
describe('backup: restore refusals', () => {
  const backupDir = useBackupDir();
  let app: TestApp;
  let db: Db;
  let good: string;
  let env: Record<string, string>;

  before(async () => {
    app = await startTestApp();
    db = app.deps.db;
    await resetData(app.deps);
    const { token } = await signUp(app.url, 'refuse');
    for (let i = 0; i < 5; i++) {
      const created = await call(app.url, '/projects', {
        method: 'POST',
        token,
        json: { name: `Pier ${i}`, budget: 10, status: 'planning' },
      });
      expect(created.status).to.equal(201);
    }
    env = backupEnv(backupDir());
    const run = await cli(['run'], env);
    expect(run.code, run.lines.join('\n')).to.equal(0);
    good = join(backupDir(), run.lines[0]!.split(' ')[1]!);
  });
  after(async () => {
    await app.stop();
  });

  async function expectRefused(path: string, message: RegExp) {
    const before = await snapshot(db);
    const verify = await cli(['verify', path], env);
    expect(verify.code, verify.lines.join('\n')).to.equal(2);
    expect(verify.lines.join('\n')).to.match(message);
    const restore = await cli(['restore', '--force', path], env);
    expect(restore.code, restore.lines.join('\n')).to.equal(2);
    expect(restore.lines.join('\n')).to.match(message);
    expect(await snapshot(db)).to.deep.equal(before);
  }

  it('when the archive is good, then verify says ok by name and by path', async () => {
    const name = good.split('/').at(-1)!;
    expect(await cli(['verify', name], env)).to.deep.equal({ code: 0, lines: [`ok ${name}`] });
    expect((await cli(['verify', good], env)).code).to.equal(0);
  });

  it('when the archive is truncated, then restore is refused and the database is untouched', async () => {
    const bytes = readFileSync(good);
    const path = join(backupDir(), 'truncated.tar.gz');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectRefused(path, /bad archive: .*(truncated|unexpected end)/);
  });

  it('when one byte of a .bson is flipped, then restore is refused and the database is untouched', async () => {
    const tar = gunzipSync(readFileSync(good));
    const header = tar.indexOf(`${db.databaseName}/projects.bson`);
    expect(header).to.be.greaterThan(0);
    // Inside the first project's name, past its length prefix: still well-formed BSON.
    const target = header + 512 + 40;
    tar[target] = tar[target]! ^ 0x01;
    const path = join(backupDir(), 'tampered.tar.gz');
    writeFileSync(path, gzipSync(tar));
    await expectRefused(path, /bad archive: .*projects\.bson: SHA-256 differs/);
  });

  it('when the archive is a tar.gz of something else, then restore is refused and the database is untouched', () => {
    const other = join(backupDir(), 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'not a backup\n');
    const path = join(backupDir(), 'foreign.tar.gz');
    execFileSync('tar', ['-czf', path, '-C', other, 'notes.txt']);
    return expectRefused(path, /bad archive: not a groundwork backup/);
  });

  it('when the file is not gzip at all, then restore is refused', async () => {
    const path = join(backupDir(), 'plain.tar.gz');
    copyFileSync(join(import.meta.dirname, 'support.ts'), path);
    await expectRefused(path, /bad archive: not a readable archive/);
  });

  it('when the database holds documents, then restore without --force is refused naming the counts, and with --force replaces them', async () => {
    const extra = await db.collection('projects').insertOne({ name: 'written after the backup' });
    const before = await snapshot(db);
    const refused = await cli(['restore', good], env);
    expect(refused.code, refused.lines.join('\n')).to.equal(3);
    expect(refused.lines[0]).to.match(/^refused: database \S+ is not empty \(.*projects=6\b.*\)/);
    expect(await snapshot(db)).to.deep.equal(before);

    const forced = await cli(['restore', '--force', good], env);
    expect(forced.code, forced.lines.join('\n')).to.equal(0);
    expect(await db.collection('projects').countDocuments()).to.equal(5);
    expect(await db.collection('projects').findOne({ _id: extra.insertedId })).to.equal(null);
  });

  it('when the database holds only what a replica makes at start-up (the first admin, migrations, the cache epoch), then it counts as empty', async () => {
    await dropAll(db);
    // A replica starting on the empty database: migrations, then the first admin.
    const replica = await startTestApp();
    try {
      expect(await db.collection('users').countDocuments({ username: 'admin' })).to.equal(1);
      const restored = await cli(['restore', good], env);
      expect(restored.code, restored.lines.join('\n')).to.equal(0);
      expect(await db.collection('projects').countDocuments()).to.equal(5);
      expect(await db.collection('users').countDocuments({ username: /^refuse_/ })).to.equal(1);
    } finally {
      await replica.stop();
    }
  });

  it('when no archive is named and the directory has none, then restore says so with exit 2', async () => {
    const empty = await cli(['restore'], backupEnv(join(backupDir(), 'none')));
    expect(empty.code).to.equal(2);
    expect(empty.lines[0]).to.match(/^no archive in /);
  });
});
