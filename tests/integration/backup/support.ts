import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { runCli } from '../../../app/backup/commands.js';
import { createSilentLogger } from '../../../app/logging/logger.js';
import { testServers } from '../../support/root-hooks.js';

/** The backup command's environment against the shared test FerretDB. */
export function backupEnv(
  dir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    MONGO_URL: testServers().mongoUrl,
    BACKUP_DIR: dir,
    LOG_LEVEL: 'error',
    MONGO_TIMEOUT_MS: '1000',
    BACKUP_BATCH_PAUSE_MS: '0',
    ...overrides,
  };
}

/** Runs one CLI command in-process, as cli.js would; returns its exit code and lines. */
export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(args, env, {
    out: (line) => lines.push(line),
    logger: createSilentLogger(),
  });
  return { code, lines };
}

/** A fresh BACKUP_DIR, removed after the enclosing describe block. */
export function useBackupDir(): () => string {
  let dir: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'groundwork-backup-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('no backup dir yet');
    return dir;
  };
}

export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Every document of every collection as its BSON bytes (hex), by collection. */
export async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const infos = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of infos.sort((a, b) => a.name.localeCompare(b.name))) {
    const docs = await db
      .collection(name)
      .find({}, { raw: true, sort: { _id: 1 } })
      .toArray();
    out[name] = docs.map((doc) => Buffer.from(doc as unknown as Uint8Array).toString('hex'));
  }
  return out;
}

/** Index names and keys (and options that matter) of every collection. */
export async function indexSnapshot(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const infos = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of infos) {
    const indexes = await db.collection(name).listIndexes().toArray();
    out[name] = indexes
      .map(({ name: index, key, unique, expireAfterSeconds, partialFilterExpression }) =>
        JSON.stringify({ index, key, unique, expireAfterSeconds, partialFilterExpression }),
      )
      .sort();
  }
  return out;
}

export async function dropAll(db: Db): Promise<void> {
  const infos = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of infos) await db.dropCollection(name);
}
