import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { MongoClient, type Db } from 'mongodb';
import sinon from 'sinon';
import { listArchiveNames } from '../../../app/backup/archive-dir.js';
import { loadBackupConfig } from '../../../app/backup/config.js';
import { disk } from '../../../app/backup/disk.js';
import { startScheduler, type Scheduler } from '../../../app/backup/schedule.js';
import { createSilentLogger } from '../../../app/logging/logger.js';
import { testServers } from '../../support/root-hooks.js';
import { waitUntil } from '../../support/wait-until.js';
import { backupEnv, cli, filesIn, useBackupDir } from './support.js';

async function metric(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** Waits until /metrics' count of runs with `result` is `enough`. */
function runsCounted(port: number, result: string, enough: (count: number) => boolean) {
  const name = `groundwork_backup_runs_total{result="${result}"}`;
  const counted = async () => enough((await metric(port, name)) ?? 0);
  return waitUntil(`/metrics counts the ${result} runs`, 15000, counted, { everyMs: 50 });
}

describe('backup: the schedule command', () => {
  const backupDir = useBackupDir();
  let client: MongoClient;
  let db: Db;
  let scheduler: Scheduler | undefined;

  before(async () => {
    client = await MongoClient.connect(testServers().mongoUrl);
    db = client.db();
    await db
      .collection('backup_schedule')
      .insertMany(Array.from({ length: 100 }, (_, i) => ({ i })));
  });
  afterEach(async () => {
    sinon.restore();
    await scheduler?.stop();
    scheduler = undefined;
    await testServers().ferretdb?.start();
  });
  after(async () => {
    await db.dropCollection('backup_schedule');
    await client.close();
  });

  function start(overrides: Record<string, string>): Promise<Scheduler> {
    const config = loadBackupConfig(backupEnv(backupDir(), overrides));
    return startScheduler(db, config, createSilentLogger(), 0);
  }

  it('when two backups start in the same second, then both are kept under different names, in order', async () => {
    const clock = sinon.useFakeTimers({
      now: Date.parse('2026-03-01T12:00:00.250Z'),
      toFake: ['Date'],
    });
    const env = backupEnv(backupDir());
    const first = await cli(['run'], env);
    const second = await cli(['run'], env);
    clock.restore();
    expect(first.code).to.equal(0);
    expect(second.code).to.equal(0);
    expect(await listArchiveNames(backupDir())).to.deep.equal([
      'groundwork-20260301T120000Z.tar.gz',
      'groundwork-20260301T120000Z-1.tar.gz',
    ]);
    const list = await cli(['list'], env);
    expect(list.lines).to.have.length(2);
    expect(list.lines[1]).to.match(
      /^groundwork-20260301T120000Z-1\.tar\.gz \d+ 2026-03-01T12:00:00\.250Z .*backup_schedule=100/,
    );
  });

  it('when the newest archive is old, then a backup runs at once, the old ones are pruned to BACKUP_KEEP and /metrics describes the new one', async () => {
    scheduler = await start({ BACKUP_INTERVAL: '3600', BACKUP_KEEP: '2' });
    const port = scheduler.port;
    await runsCounted(port, 'success', (n) => n === 1);
    const names = await listArchiveNames(backupDir());
    expect(names).to.have.length(2);
    expect(names[0]).to.equal('groundwork-20260301T120000Z-1.tar.gz');
    const newest = statSync(join(backupDir(), names[1]!));
    expect(await metric(port, 'groundwork_backup_last_size_bytes')).to.equal(newest.size);
    expect(await metric(port, 'groundwork_backup_last_success_timestamp_seconds')).to.be.closeTo(
      newest.mtimeMs / 1000,
      0.001,
    );
    const duration = await metric(port, 'groundwork_backup_last_duration_seconds');
    expect(duration).to.be.greaterThan(0).and.lessThan(30);
    expect(await metric(port, 'groundwork_backup_interval_seconds')).to.equal(3600);
    expect(await metric(port, 'groundwork_backup_runs_total{result="failure"}')).to.equal(0);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    // The newest archive is fresh: no second run within the interval.
    await sleep(300);
    expect(await metric(port, 'groundwork_backup_runs_total{result="success"}')).to.equal(1);
  });

  it('when MongoDB goes away during a run, then the run fails and is counted, no partial file remains, and the next tick succeeds', async function () {
    const ferretdb = testServers().ferretdb;
    if (!ferretdb) this.skip();
    const before = await listArchiveNames(backupDir());
    const append = disk.append.bind(disk);
    let stopped = false;
    sinon.stub(disk, 'append').callsFake(async (file, bytes) => {
      if (!stopped) {
        stopped = true;
        await ferretdb.stop();
      }
      return append(file, bytes);
    });
    scheduler = await start({ BACKUP_INTERVAL: '1', BACKUP_KEEP: '10', BACKUP_BATCH_SIZE: '10' });
    const port = scheduler.port;
    await runsCounted(port, 'failure', (n) => n === 1);
    expect(filesIn(backupDir()).filter((name) => !before.includes(name))).to.deep.equal([]);
    await ferretdb.start();
    await runsCounted(port, 'success', (n) => n === 1);
    expect(await metric(port, 'groundwork_backup_runs_total{result="failure"}')).to.equal(1);
    const after = await listArchiveNames(backupDir());
    expect(after).to.have.length(before.length + 1);
    expect((await cli(['verify', after.at(-1)!], backupEnv(backupDir()))).code).to.equal(0);
  });

  it('when an archive is being written and the scheduler stops, then its temp files are removed', async () => {
    const append = disk.append.bind(disk);
    let writing!: () => void;
    const started = new Promise<void>((done) => (writing = done));
    sinon.stub(disk, 'append').callsFake(async (file, bytes) => {
      writing();
      await sleep(20);
      return append(file, bytes);
    });
    const before = filesIn(backupDir());
    scheduler = await start({
      BACKUP_INTERVAL: '1',
      BACKUP_BATCH_SIZE: '5',
      BACKUP_BATCH_PAUSE_MS: '50',
    });
    await started;
    expect(filesIn(backupDir()).some((name) => name.startsWith('.tmp-'))).to.equal(true);
    await scheduler.stop();
    scheduler = undefined;
    expect(filesIn(backupDir())).to.deep.equal(before);
  });
});

describe('backup: after the data is lost', () => {
  const backupDir = useBackupDir();
  let client: MongoClient;
  let scheduler: Scheduler | undefined;
  before(async () => {
    client = await MongoClient.connect(testServers().mongoUrl);
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
  });
  after(async () => {
    await client.close();
  });

  it('when the database has been emptied (its data lost), then the scheduler refuses to archive it over the archives of its data, and counts a failure', async () => {
    const lost = client.db(`backup_lost_${process.pid}`);
    try {
      await lost.collection('projects').insertMany([{ name: 'kept' }, { name: 'also kept' }]);
      const config = (interval: string) =>
        loadBackupConfig(backupEnv(backupDir(), { BACKUP_INTERVAL: interval }));
      scheduler = await startScheduler(lost, config('3600'), createSilentLogger(), 0);
      const one = async () => (await listArchiveNames(backupDir())).length === 1;
      await waitUntil('one archive written', 15000, one, { everyMs: 50 });
      await scheduler.stop();
      const [good] = await listArchiveNames(backupDir());

      await lost.dropCollection('projects');
      scheduler = await startScheduler(lost, config('1'), createSilentLogger(), 0);
      const { port } = scheduler;
      await runsCounted(port, 'failure', (n) => n >= 1);
      expect(await listArchiveNames(backupDir())).to.deep.equal([good]);
      // `make backup` by hand is refused the same way.
      const url = new URL(testServers().mongoUrl);
      url.pathname = `/${lost.databaseName}`;
      const run = await cli(['run'], backupEnv(backupDir(), { MONGO_URL: url.toString() }));
      expect(run.code, run.lines.join('\n')).to.equal(3);
      expect(run.lines[0]).to.match(/^refused: database \S+ is empty and the newest archive/);
    } finally {
      await lost.dropDatabase();
    }
  });
});
