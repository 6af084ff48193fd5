// The backup engine against the driver doing the same work bare, on one FerretDB: a
// backup of N projects vs streaming them with find(), a restore vs insertMany of them,
// and by-id reads (the driver's findOne, what an uncached API read costs MongoDB)
// while a backup runs vs without; backup and find are the medians of ROUNDS rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Double, Int32, MongoClient, ObjectId, type Db } from 'mongodb';
import { runBackup } from '../../app/backup/backup.js';
import { restoreArchive } from '../../app/backup/restore.js';
import { percentile, timed } from '../../tests/support/latency.js';

export interface BackupBench {
  documents: number;
  bareFindMs: number;
  backupMs: number;
  bareInsertMs: number;
  restoreMs: number;
  archiveBytes: number;
  byIdP99Ms: number;
  byIdP99DuringBackupMs: number;
  byIdReads: [number, number];
}

// The engine's defaults (app/backup/config.ts), as the stack runs it.
const BATCH = 500;
const PAUSE_MS = 5;
const READERS = 4;
const ROUNDS = 3;

export async function backupBench(mongoUrl: string, documents = 100_000): Promise<BackupBench> {
  const client = await MongoClient.connect(mongoUrl);
  const source = client.db(`${client.db().databaseName}_backup_src`);
  const target = client.db(`${client.db().databaseName}_backup_dst`);
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-bench-backup-'));
  try {
    await Promise.all([source.dropDatabase(), target.dropDatabase()]);
    const docs = projects(documents);
    const bareInsert = await timed(() => insertAll(source, docs));
    const ids = docs.filter((_, i) => i % 97 === 0).map((doc) => doc._id);
    // Rounds alternate bare and engine, quiet and busy, so that a slow spell of the host
    // does not fall on one side only (one quiet window right after a restore read half as
    // often as the busy one).
    const findMs: number[] = [];
    const backupMs: number[] = [];
    const quiet: number[] = [];
    const busy: number[] = [];
    let archive: { path: string; bytes: number } | undefined;
    for (let round = 0; round < ROUNDS; round += 1) {
      findMs.push((await timed(() => streamAll(source))).ms);
      const backup = await timed(() => runBackup(source, backupOptions(dir)));
      backupMs.push(backup.ms);
      archive ??= backup.value;
      quiet.push(...(await readByIdFor(source, ids, () => sleep(backup.ms))));
      busy.push(...(await readByIdFor(source, ids, () => runBackup(source, backupOptions(dir)))));
    }
    if (archive === undefined) throw new Error('no backup ran');
    const { path, bytes } = archive;
    const restore = await timed(() =>
      restoreArchive(target, path, { force: false, batchSize: BATCH }),
    );
    return {
      documents,
      bareFindMs: percentile(findMs, 50),
      backupMs: percentile(backupMs, 50),
      bareInsertMs: bareInsert.ms,
      restoreMs: restore.ms,
      archiveBytes: bytes,
      byIdP99Ms: percentile(quiet, 99),
      byIdP99DuringBackupMs: percentile(busy, 99),
      byIdReads: [quiet.length, busy.length],
    };
  } finally {
    await Promise.all([source.dropDatabase(), target.dropDatabase()]).catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function backupOptions(dir: string) {
  return { dir, appVersion: 'bench', batchSize: BATCH, batchPauseMs: PAUSE_MS };
}

/** Documents shaped like the app's projects (app/projects), each a little different. */
function projects(n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    name: `Bench project ${i}`,
    description: `A ${i % 7 === 0 ? 'bridge' : 'depot'} on site ${i % 113}`,
    budget: new Double(1000 + i / 4),
    status: ['planning', 'active', 'done'][i % 3],
    ownerId: `user-${i % 50}`,
    version: new Int32(1 + (i % 5)),
    createdAt: new Date(now - i * 1000),
    updatedAt: new Date(now - i * 500),
  }));
}

async function insertAll(db: Db, docs: object[]): Promise<void> {
  for (let i = 0; i < docs.length; i += BATCH) {
    await db.collection('projects').insertMany(docs.slice(i, i + BATCH), { ordered: true });
  }
}

async function streamAll(db: Db): Promise<number> {
  const cursor = db.collection('projects').find({}, { batchSize: BATCH });
  let count = 0;
  while ((await cursor.next()) !== null) count++;
  return count;
}

/** By-id latencies (ms) of READERS loops of findOne while `during` runs. */
async function readByIdFor(
  db: Db,
  ids: ObjectId[],
  during: () => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  let running = true;
  const reader = async (offset: number) => {
    for (let i = offset; running; i += READERS) {
      const id = ids[i % ids.length];
      if (id === undefined) return;
      const started = performance.now();
      await db.collection('projects').findOne({ _id: id });
      latencies.push(performance.now() - started);
    }
  };
  const readers = Array.from({ length: READERS }, (_, i) => reader(i));
  await during();
  running = false;
  await Promise.all(readers);
  return latencies;
}
