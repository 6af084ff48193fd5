import { expect } from 'chai';
import { MongoClient, type Db } from 'mongodb';
import { AUTH_MIGRATIONS } from '../../../app/auth/migrations.js';
import {
  DatabaseNewerThanCode,
  migrate,
  migrationId,
  type Migration,
} from '../../../app/db/migrations.js';
import { createSilentLogger } from '../../../app/logging/logger.js';
import { PROJECT_MIGRATIONS } from '../../../app/projects/migrations.js';
import { testServers } from '../../support/root-hooks.js';
import { stopwatch } from '../../support/latency.js';

const ALL: readonly Migration[] = [...AUTH_MIGRATIONS, ...PROJECT_MIGRATIONS];
const logger = createSilentLogger();

describe('migrations (numbered per feature, recorded, run once under a lock)', () => {
  let client: MongoClient;
  const dbs: Db[] = [];

  before(async () => {
    client = await MongoClient.connect(testServers().mongoUrl);
  });
  after(async () => {
    for (const db of dbs) await db.dropDatabase();
    await client.close();
  });

  function freshDb(name: string): Db {
    const db = client.db(`migrations_${name}_${process.pid}_${Date.now().toString(36)}`);
    dbs.push(db);
    return db;
  }

  async function recorded(db: Db): Promise<unknown[]> {
    const records = await db.collection('migrations').find().sort({ _id: 1 }).toArray();
    return records.map((r) => r._id);
  }

  async function expectSchema(db: Db): Promise<void> {
    const users = await db.collection('users').indexes();
    expect(users.find((i) => i.name === 'username_unique')?.unique).to.equal(true);
    const projects = (await db.collection('projects').indexes()).map((i) => i.name);
    expect(projects).to.include.members([
      'createdAt_id',
      'budget_id',
      'name_id',
      'status_createdAt_id',
    ]);
    // A TTL index on mongo:7; FerretDB 1.24 has none, so a plain one for the sweep.
    const keys = await db.collection('idempotency_keys').indexes();
    expect(keys.find((i) => i.name?.startsWith('expiresAt'))?.key).to.deep.equal({ expiresAt: 1 });
  }

  it('when three replicas start together on a fresh database, then each step runs and is recorded once, and no lock is left', async () => {
    const db = freshDb('fresh');
    let runs = 0;
    const counted = ALL.map((m) => ({ ...m, up: async (d: Db) => ((runs += 1), m.up(d)) }));
    await Promise.all([1, 2, 3].map((n) => migrate(db, logger, counted, `replica${n}`)));
    expect(runs).to.equal(ALL.length);
    expect(await recorded(db)).to.deep.equal(ALL.map(migrationId).sort());
    await expectSchema(db);
  });

  it('when the database is at any earlier step, then the rest run and it ends at the newest', async () => {
    for (let step = 0; step <= ALL.length; step += 1) {
      const db = freshDb(`step${step}`);
      await migrate(db, logger, ALL.slice(0, step));
      await migrate(db, logger, ALL);
      expect(await recorded(db), `from step ${step}`).to.deep.equal(ALL.map(migrationId).sort());
      await expectSchema(db);
    }
  });

  it('when the database was migrated before steps were per feature (records 1-3), then nothing runs again', async () => {
    const db = freshDb('legacy');
    await db
      .collection<{ _id: number }>('migrations')
      .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    let runs = 0;
    const counted = ALL.map((m) => ({ ...m, up: async (d: Db) => ((runs += 1), m.up(d)) }));
    await migrate(db, logger, counted);
    expect(runs).to.equal(0);
  });

  it('when the database has a step this code does not know, then start-up is refused at once, saying so', async () => {
    const db = freshDb('newer');
    await migrate(db, logger, ALL);
    await db.collection<{ _id: string }>('migrations').insertOne({ _id: 'projects:99' });
    const started = stopwatch();
    const error = await migrate(db, logger, ALL).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(DatabaseNewerThanCode);
    expect((error as Error).message).to.include('projects:99');
    expect(started.ms(), 'refused without retrying').to.be.below(5000);
  });

  it('when another replica holds the lock, then migrate waits for it; a lock whose holder died is taken over', async () => {
    const db = freshDb('lock');
    const locks = db.collection<{ _id: string; owner: string; expiresAt: Date }>('migrations');
    await locks.insertOne({ _id: 'lock', owner: 'other', expiresAt: new Date(Date.now() + 60000) });
    const waiting = migrate(db, logger, ALL, 'me');
    await new Promise((done) => setTimeout(done, 1000));
    expect(await recorded(db), 'nothing ran while the lock was held').to.deep.equal(['lock']);
    await locks.deleteOne({ _id: 'lock' });
    await waiting;
    expect(await recorded(db)).to.deep.equal(ALL.map(migrationId).sort());

    const orphaned = freshDb('orphan');
    await orphaned
      .collection<{ _id: string; owner: string; expiresAt: Date }>('migrations')
      .insertOne({ _id: 'lock', owner: 'dead', expiresAt: new Date(Date.now() - 1000) });
    await migrate(orphaned, logger, ALL, 'me');
    expect(await recorded(orphaned)).to.deep.equal(ALL.map(migrationId).sort());
  });

  it('when migrations run again, then nothing changes', async () => {
    const db = freshDb('again');
    await migrate(db, logger, ALL);
    const first = await db.collection('migrations').find().toArray();
    await migrate(db, logger, ALL);
    expect(await db.collection('migrations').find().toArray()).to.deep.equal(first);
  });
});
