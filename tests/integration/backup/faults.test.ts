import { mkdirSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { MongoClient, type Db } from 'mongodb';
import sinon from 'sinon';
import { removeStaleTemp } from '../../../app/backup/archive-dir.js';
import { disk } from '../../../app/backup/disk.js';
import { testServers } from '../../support/root-hooks.js';
import { backupEnv, cli, filesIn, useBackupDir } from './support.js';

/** Every write of the backup fails with ENOSPC while `full()` says so (sinon, in-process). */
function diskFullWhen(full: () => boolean): void {
  const append = disk.append.bind(disk);
  sinon.stub(disk, 'append').callsFake(async (file, bytes) => {
    if (full()) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return append(file, bytes);
  });
}

/** A run that cannot finish leaves no partial file and every older archive intact. */
describe('backup: failing runs', () => {
  const backupDir = useBackupDir();
  let client: MongoClient;
  let db: Db;

  before(async () => {
    client = await MongoClient.connect(testServers().mongoUrl);
    db = client.db();
    await db.collection('backup_faults').deleteMany({});
    await db
      .collection('backup_faults')
      .insertMany(Array.from({ length: 200 }, (_, i) => ({ i, text: 'x'.repeat(200) })));
  });
  after(async () => {
    sinon.restore();
    await db.dropCollection('backup_faults');
    await client.close();
  });

  it('when the disk fills up (ENOSPC) mid-run, then the run fails with exit 1 and only the older archive remains, still good', async () => {
    const env = backupEnv(backupDir(), { BACKUP_BATCH_SIZE: '20' });
    const first = await cli(['run'], env);
    expect(first.code, first.lines.join('\n')).to.equal(0);
    const older = filesIn(backupDir());
    expect(older).to.have.length(1);

    let calls = 0;
    diskFullWhen(() => ++calls > 5);
    const failed = await cli(['run'], env);
    sinon.restore();
    expect(failed.code).to.equal(1);
    expect(failed.lines).to.deep.equal([]);
    expect(calls).to.be.greaterThan(5);
    expect(filesIn(backupDir())).to.deep.equal(older);
    expect((await cli(['verify', older[0]!], env)).code).to.equal(0);
  });

  it('when ENOSPC hits while the archive itself is written, then nothing but the older archives remains', async () => {
    const env = backupEnv(backupDir());
    const older = filesIn(backupDir());
    // The temp archive exists once every collection is dumped: its own writes fail.
    diskFullWhen(() => {
      const work = filesIn(backupDir()).find((name) => name.startsWith('.tmp-'));
      return work !== undefined && filesIn(join(backupDir(), work)).includes('archive.tar.gz');
    });
    const failed = await cli(['run'], env);
    sinon.restore();
    expect(failed.code).to.equal(1);
    expect(filesIn(backupDir())).to.deep.equal(older);
  });
});

describe('backup: temp files of a killed run', () => {
  const backupDir = useBackupDir();

  it('when a temp dir is over a day old, then it is removed, and a younger one (a run in progress) is kept', async () => {
    const old = join(backupDir(), '.tmp-groundwork-20260101T000000Z.tar.gz-1-1');
    const young = join(backupDir(), '.tmp-groundwork-20260102T000000Z.tar.gz-2-2');
    mkdirSync(old);
    mkdirSync(young);
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    utimesSync(old, dayAgo, dayAgo);
    expect(await removeStaleTemp(backupDir())).to.deep.equal([basename(old)]);
    expect(filesIn(backupDir())).to.deep.equal([basename(young)]);
  });
});
