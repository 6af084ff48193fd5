import { basename, join } from 'node:path';
import type { Logger } from 'winston';
import { ConfigError, type RawEnv } from '../config/secret-files.js';
import { connectMongo, type MongoHandle } from '../db/mongo.js';
import { createLogger } from '../logging/logger.js';
import { readArchive } from './archive.js';
import { archiveInfo, listArchiveNames, resolveArchive } from './archive-dir.js';
import { backupOptions, runBackup } from './backup.js';
import { EmptyDatabaseError, refuseEmptyOverData } from './emptiness.js';
import { ArchiveError } from './byte-reader.js';
import { loadBackupConfig, type BackupConfig } from './config.js';
import { counts, NotEmptyError, restoreArchive } from './restore.js';
import { startScheduler } from './schedule.js';

const USAGE =
  'usage: cli.js run | list | verify <name-or-path> | restore [--force] [<name-or-path>] | schedule';

export interface CliIo {
  out(line: string): void;
  logger?: Logger;
  /** schedule runs until this aborts (SIGTERM/SIGINT in cli.ts). */
  stop?: AbortSignal;
}

/**
 * Runs one command; returns the exit code: 0 ok, 1 failed, 2 bad archive, 3 refused (a
 * restore over a database that is not empty; a backup of an empty one over archives of data).
 */
export async function runCli(args: string[], env: RawEnv, io: CliIo): Promise<number> {
  let config: BackupConfig;
  try {
    config = loadBackupConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.out(`configuration error: ${err.message}`);
    return 1;
  }
  const logger = io.logger ?? createLogger(config.LOG_LEVEL);
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'run':
        return await withMongo(config, async ({ db }) => {
          await refuseEmptyOverData(db, config.BACKUP_DIR);
          const result = await runBackup(db, backupOptions(config));
          io.out(
            `backup: ${result.name} ${result.bytes} bytes, ${pairs(result.counts)} in ${result.ms} ms`,
          );
          return 0;
        });
      case 'list':
        for (const name of await listArchiveNames(config.BACKUP_DIR)) {
          const info = await archiveInfo(join(config.BACKUP_DIR, name)).catch(
            (err: unknown) => err as Error,
          );
          io.out(
            info instanceof Error
              ? `${name} unreadable: ${info.message}`
              : `${name} ${info.bytes} ${info.manifest.time} ${pairs(counts(info.manifest))}`,
          );
        }
        return 0;
      case 'verify': {
        const [target] = rest;
        if (rest.length !== 1 || target === undefined) return usage(io);
        const path = resolveArchive(config.BACKUP_DIR, target);
        await readArchive(path);
        io.out(`ok ${basename(path)}`);
        return 0;
      }
      case 'restore': {
        const force = rest.includes('--force');
        const named = rest.filter((arg) => arg !== '--force');
        if (named.length > 1) return usage(io);
        const path = named[0]
          ? resolveArchive(config.BACKUP_DIR, named[0])
          : join(config.BACKUP_DIR, (await listArchiveNames(config.BACKUP_DIR)).at(-1) ?? '');
        if (path === join(config.BACKUP_DIR, '')) {
          io.out(`no archive in ${config.BACKUP_DIR}`);
          return 2;
        }
        return await withMongo(config, async ({ db }) => {
          const result = await restoreArchive(db, path, {
            force,
            batchSize: config.BACKUP_BATCH_SIZE,
          });
          io.out(`restored ${result.name}: ${pairs(result.counts)}`);
          return 0;
        });
      }
      case 'schedule':
        return await withMongo(config, async ({ db }) => {
          const scheduler = await startScheduler(db, config, logger);
          logger.info('backup scheduler started', {
            dir: config.BACKUP_DIR,
            intervalSeconds: config.BACKUP_INTERVAL,
            keep: config.BACKUP_KEEP,
            port: scheduler.port,
          });
          await new Promise((done) => io.stop?.addEventListener('abort', done, { once: true }));
          await scheduler.stop();
          logger.info('backup scheduler stopped');
          return 0;
        });
      default:
        return usage(io);
    }
  } catch (err) {
    if (err instanceof ArchiveError) {
      io.out(`bad archive: ${err.message}`);
      return 2;
    }
    if (err instanceof NotEmptyError || err instanceof EmptyDatabaseError) {
      io.out(`refused: ${err.message}`);
      return 3;
    }
    const code = (err as NodeJS.ErrnoException).code;
    logger.error(`backup ${command} failed`, { error: (err as Error).message, code });
    return code === 'ENOENT' && command !== 'run' ? 2 : 1;
  }
}

function usage(io: CliIo): number {
  io.out(USAGE);
  return 1;
}

async function withMongo<T>(
  config: BackupConfig,
  work: (mongo: MongoHandle) => Promise<T>,
): Promise<T> {
  const mongo = await connectMongo(
    config.MONGO_URL,
    config.MONGO_TIMEOUT_MS,
    config.MONGO_TIMEOUT_MS,
  );
  try {
    return await work(mongo);
  } finally {
    await mongo.client.close();
  }
}

function pairs(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
}
