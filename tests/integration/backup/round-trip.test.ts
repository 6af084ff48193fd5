import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Binary, Double, Int32, Long, ObjectId } from 'mongodb';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { backupEnv, cli, dropAll, indexSnapshot, snapshot, useBackupDir } from './support.js';
import { signUp, PASSWORD } from '../../support/sign-up.js';

/**
 * Data written through the real app, backed up, every collection dropped, restored:
 * the same bytes, the same indexes, the old password signs in, and the cache epoch
 * has moved past anything cached before.
 */
describe('backup: round trip through an archive', () => {
  const backupDir = useBackupDir();
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
    await resetData(app.deps);
  });
  after(async () => {
    await app.stop();
  });

  it('when a backup is restored into an emptied database, then every document is byte-identical, indexes are back, the old password signs in and the epoch moved', async () => {
    const db = app.deps.db;
    const user = await signUp(app.url, 'backup');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await call(app.url, '/projects', {
        method: 'POST',
        token: user.token,
        json: { name: `Depot ${i}`, budget: 1000 + i / 4, status: 'planning' },
        headers: i === 0 ? { 'idempotency-key': 'backup-key-0000001' } : {},
      });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      ids.push(created.body.id);
    }
    const before = await call(app.url, `/projects/${ids[0]}`);
    // Every BSON type a restore must keep apart (an Int32 5 and a Double 5 differ).
    // Not Decimal128: FerretDB 1.24 closes the connection on one.
    await db.collection('backup_types').insertOne({
      _id: new ObjectId(),
      int32: new Int32(5),
      double: new Double(5),
      long: Long.fromString('9007199254740993'),
      date: new Date('2026-01-02T03:04:05.678Z'),
      binary: new Binary(Buffer.from([0, 1, 2, 255])),
      nested: { list: [new Int32(1), new Double(1.5), null, 'text'] },
    });
    const epochBefore =
      (await db.collection('cache_meta').findOne({ _id: 'epoch' as never }))?.value ?? 0;
    const data = await snapshot(db);
    const indexes = await indexSnapshot(db);
    expect(data.projects).to.have.length(30);
    expect(data.idempotency_keys).to.have.length(1);

    const env = backupEnv(backupDir());
    const run = await cli(['run'], env);
    expect(run.code, run.lines.join('\n')).to.equal(0);
    expect(run.lines).to.have.length(1);
    expect(run.lines[0]).to.match(
      /^backup: groundwork-\d{8}T\d{6}Z\.tar\.gz \d+ bytes, .*\bprojects=30\b.* in \d+ ms$/,
    );

    await dropAll(db);
    const restore = await cli(['restore'], env);
    expect(restore.code, restore.lines.join('\n')).to.equal(0);
    expect(restore.lines).to.have.length(1);
    expect(restore.lines[0]).to.match(/^restored groundwork-\S+\.tar\.gz: .*\bprojects=30\b/);

    const restored = await snapshot(db);
    // cache_meta alone differs: the epoch moved on (asserted below).
    delete restored.cache_meta;
    delete data.cache_meta;
    expect(restored).to.deep.equal(data);
    expect(await indexSnapshot(db)).to.deep.equal(indexes);

    const epoch = (await db.collection('cache_meta').findOne({ _id: 'epoch' as never }))?.value;
    expect(epoch).to.be.greaterThan(epochBefore);
    expect(epoch).to.be.at.least(Math.floor(Date.now() / 1000) - 60);

    const login = await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: user.username, password: PASSWORD },
    });
    expect(login.status).to.equal(200);
    const after = await call(app.url, `/projects/${ids[0]}`);
    expect(after.status).to.equal(200);
    expect(after.headers.get('etag')).to.equal(before.headers.get('etag'));
    expect(after.body).to.deep.equal(before.body);
  });

  it("when the archive is unpacked by GNU tar, then it holds mongodump's layout and the .bson is the server's own bytes", async () => {
    const db = app.deps.db;
    const env = backupEnv(backupDir());
    const run = await cli(['run'], env);
    expect(run.code).to.equal(0);
    const name = run.lines[0]!.split(' ')[1]!;
    const out = mkdtempSync(join(tmpdir(), 'groundwork-untar-'));
    try {
      execFileSync('tar', ['-xzf', join(backupDir(), name), '-C', out]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.database).to.equal(db.databaseName);
      const raw = await db.collection('projects').find({}, { raw: true }).toArray();
      const expected = Buffer.concat(raw.map((doc) => Buffer.from(doc as unknown as Uint8Array)));
      const bson = readFileSync(join(out, db.databaseName, 'projects.bson'));
      expect(bson.equals(expected)).to.equal(true);
      expect(manifest.collections.projects.count).to.equal(raw.length);
      const metadata = JSON.parse(
        readFileSync(join(out, db.databaseName, 'projects.metadata.json'), 'utf8'),
      );
      expect(metadata.collectionName).to.equal('projects');
      expect(metadata.indexes.map((index: { name: string }) => index.name)).to.include('_id_');
      expect(statSync(join(out, db.databaseName, 'users.bson')).size).to.be.greaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
