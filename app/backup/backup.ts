import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { BSON, type Db } from 'mongodb';
import { FORMAT, MANIFEST, type CollectionEntry, type Manifest } from './archive.js';
import { archiveName, publish } from './archive-dir.js';
import type { BackupConfig } from './config.js';
import { disk } from './disk.js';
import { END, padding, tarHeader } from './tar.js';

export interface BackupOptions {
  dir: string;
  appVersion: string;
  batchSize: number;
  batchPauseMs: number;
  signal?: AbortSignal;
}

/** A backup as the configuration asks for it; `signal` abandons it. */
export function backupOptions(config: BackupConfig, signal?: AbortSignal): BackupOptions {
  return {
    dir: config.BACKUP_DIR,
    appVersion: config.APP_VERSION,
    batchSize: config.BACKUP_BATCH_SIZE,
    batchPauseMs: config.BACKUP_BATCH_PAUSE_MS,
    ...(signal ? { signal } : {}),
  };
}

export interface BackupResult {
  name: string;
  path: string;
  bytes: number;
  counts: Record<string, number>;
  ms: number;
}

/**
 * One backup of `db` into `options.dir`. Each collection is dumped to a temp file
 * (its size goes in the tar header), then the archive is written under a temp name,
 * fsynced and linked to its final name; any failure removes the temp files.
 */
export async function runBackup(db: Db, options: BackupOptions): Promise<BackupResult> {
  const started = new Date();
  await mkdir(options.dir, { recursive: true });
  const work = join(options.dir, `.tmp-${archiveName(started, 0)}-${process.pid}-${Date.now()}`);
  await mkdir(work);
  try {
    const collections = await collectionNames(db);
    const entries: Record<string, CollectionEntry> = {};
    for (const name of collections) {
      entries[name] = await dumpCollection(db, name, work, options);
    }
    const manifest: Manifest = {
      format: FORMAT,
      time: started.toISOString(),
      appVersion: options.appVersion,
      database: db.databaseName,
      collections: entries,
    };
    const temp = join(work, 'archive.tar.gz');
    await writeArchive(temp, work, manifest, options.signal);
    const { name, path } = await publish(temp, options.dir, started);
    const { size } = await stat(path);
    const counts = Object.fromEntries(
      Object.entries(entries).map(([c, entry]) => [c, entry.count]),
    );
    return { name, path, bytes: size, counts, ms: Date.now() - started.getTime() };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function collectionNames(db: Db): Promise<string[]> {
  const infos = await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray();
  return infos
    .map((info) => info.name)
    .filter((name) => !name.startsWith('system.'))
    .sort();
}

async function dumpCollection(
  db: Db,
  name: string,
  work: string,
  options: BackupOptions,
): Promise<CollectionEntry> {
  const collection = db.collection(name);
  const indexes = await collection.listIndexes().toArray();
  // mongodump's metadata.json, canonical Extended JSON so mongorestore reads the types.
  const metadata = BSON.EJSON.stringify(
    { options: {}, indexes, collectionName: name, type: 'collection' },
    { relaxed: false },
  );
  await writeThrough(join(work, `${name}.metadata.json`), Buffer.from(metadata));
  const hash = createHash('sha256');
  let count = 0;
  const file = await open(join(work, `${name}.bson`), 'wx');
  try {
    // Natural order: a sort makes FerretDB read and sort the whole collection up front.
    const cursor = collection.find({}, { raw: true, batchSize: options.batchSize });
    let batch: Buffer[] = [];
    const flush = async () => {
      const bytes = Buffer.concat(batch);
      batch = [];
      hash.update(bytes);
      await disk.append(file, bytes);
    };
    for await (const raw of cursor as AsyncIterable<Uint8Array>) {
      batch.push(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
      count++;
      if (batch.length >= options.batchSize) {
        await flush();
        options.signal?.throwIfAborted();
        // Small batches with a pause between them: the API's reads get MongoDB in between.
        if (options.batchPauseMs > 0)
          await sleep(options.batchPauseMs, undefined, { signal: options.signal });
      }
    }
    await flush();
  } finally {
    await file.close();
  }
  const metadataSha256 = createHash('sha256').update(metadata).digest('hex');
  return { count, bsonSha256: hash.digest('hex'), metadataSha256 };
}

async function writeThrough(path: string, bytes: Buffer): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await disk.append(file, bytes);
  } finally {
    await file.close();
  }
}

async function writeArchive(
  path: string,
  work: string,
  manifest: Manifest,
  signal?: AbortSignal,
): Promise<void> {
  const mtime = Math.floor(Date.parse(manifest.time) / 1000);
  async function* tar(): AsyncGenerator<Buffer> {
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    yield* entry(MANIFEST, manifestBytes);
    for (const name of Object.keys(manifest.collections)) {
      for (const suffix of ['metadata.json', 'bson']) {
        const file = join(work, `${name}.${suffix}`);
        const { size } = await stat(file);
        yield tarHeader(`${manifest.database}/${name}.${suffix}`, size, mtime);
        for await (const chunk of createReadStream(file)) yield chunk as Buffer;
        yield padding(size);
      }
    }
    yield END;
  }
  function* entry(name: string, bytes: Buffer): Generator<Buffer> {
    yield tarHeader(name, bytes.length, mtime);
    yield bytes;
    yield padding(bytes.length);
  }
  const file = await open(path, 'wx');
  try {
    await pipeline(
      Readable.from(tar()),
      createGzip(),
      async (gzipped: AsyncIterable<Buffer>) => {
        for await (const chunk of gzipped) await disk.append(file, chunk);
      },
      { signal },
    );
    await file.sync();
  } finally {
    await file.close();
  }
}
