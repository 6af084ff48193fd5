import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { migrate, MIGRATIONS } from '../../../app/db/migrations.js';
import { createSilentLogger } from '../../../app/logging/logger.js';
import { testServers } from '../../support/root-hooks.js';

describe('migrations', () => {
  let client: MongoClient;

  before(async () => {
    client = await MongoClient.connect(testServers().mongoUrl);
  });
  after(async () => {
    await client.close();
  });

  it('when three replicas migrate a fresh database at once, then all succeed and each version is recorded once', async () => {
    const db = client.db(`migrations_${process.pid}_${Date.now()}`);
    try {
      const logger = createSilentLogger();
      await Promise.all([migrate(db, logger), migrate(db, logger), migrate(db, logger)]);
      const recorded = await db.collection('migrations').find().sort({ _id: 1 }).toArray();
      expect(recorded.map((m) => m._id)).to.deep.equal(MIGRATIONS.map((m) => m.version));
      const userIndexes = await db.collection('users').indexes();
      expect(userIndexes.find((i) => i.name === 'username_unique')?.unique).to.equal(true);
      const projectIndexes = (await db.collection('projects').indexes()).map((i) => i.name);
      expect(projectIndexes).to.include.members([
        'createdAt_id',
        'budget_id',
        'name_id',
        'status_createdAt_id',
      ]);
      const keyIndexes = await db.collection('idempotency_keys').indexes();
      // A TTL index on mongo:7; FerretDB 1.24 has none, so a plain one for the sweep.
      const expiry = keyIndexes.find((i) => i.name?.startsWith('expiresAt'));
      expect(expiry?.key).to.deep.equal({ expiresAt: 1 });
    } finally {
      await db.dropDatabase();
    }
  });

  it('when migrations run again, then nothing changes', async () => {
    const db = client.db(`migrations_again_${process.pid}_${Date.now()}`);
    try {
      await migrate(db, createSilentLogger());
      const first = await db.collection('migrations').find().toArray();
      await migrate(db, createSilentLogger());
      expect(await db.collection('migrations').find().toArray()).to.deep.equal(first);
    } finally {
      await db.dropDatabase();
    }
  });
});
