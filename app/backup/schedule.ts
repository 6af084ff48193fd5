import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import { listArchiveNames, newestArchive, prune, removeStaleTemp } from './archive-dir.js';
import { backupOptions, runBackup } from './backup.js';
import type { BackupConfig } from './config.js';
import { refuseEmptyOverData } from './emptiness.js';
import { createBackupMetrics } from './metrics.js';

export interface Scheduler {
  port: number;
  /** Stops the loop (abandoning a backup being written) and the metrics server. */
  stop(): Promise<void>;
}

/**
 * The stack's backup service: a backup whenever the newest archive is BACKUP_INTERVAL
 * old (or there is none), then pruning to BACKUP_KEEP. A failed run is logged and
 * counted; the next tick, BACKUP_INTERVAL later, tries again.
 */
export async function startScheduler(
  db: Db,
  config: BackupConfig,
  logger: Logger,
  port = config.BACKUP_METRICS_PORT,
): Promise<Scheduler> {
  const metrics = createBackupMetrics(config.BACKUP_DIR, config.BACKUP_INTERVAL);
  const server = await listen(metrics.registry, port);
  const abort = new AbortController();
  const stale = await removeStaleTemp(config.BACKUP_DIR);
  if (stale.length > 0)
    logger.warn('removed temp files of interrupted backups', { removed: stale });
  const intervalMs = config.BACKUP_INTERVAL * 1000;

  const once = async (): Promise<void> => {
    const newest = await newestArchive(config.BACKUP_DIR);
    // From start to start, so the schedule does not drift by each run's duration.
    const wait = newest ? Date.parse(newest.manifest.time) + intervalMs - Date.now() : 0;
    if (wait > 0) return sleep(wait, undefined, { signal: abort.signal });
    try {
      await refuseEmptyOverData(db, config.BACKUP_DIR);
      const result = await runBackup(db, backupOptions(config, abort.signal));
      metrics.runs.inc({ result: 'success' });
      const names = await listArchiveNames(config.BACKUP_DIR);
      const removed = await prune(config.BACKUP_DIR, names, config.BACKUP_KEEP);
      logger.info('backup written', {
        archive: result.name,
        bytes: result.bytes,
        ms: result.ms,
        counts: result.counts,
        pruned: removed,
      });
    } catch (err) {
      if (abort.signal.aborted) throw err;
      metrics.runs.inc({ result: 'failure' });
      logger.error('backup failed', { error: (err as Error).message });
      await sleep(intervalMs, undefined, { signal: abort.signal });
    }
  };
  const loop = (async () => {
    while (!abort.signal.aborted) await once();
  })().catch((err: unknown) => {
    if (!abort.signal.aborted)
      logger.error('backup scheduler stopped', { error: (err as Error).message });
  });

  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      abort.abort();
      await loop;
      await new Promise((done) => server.close(done));
    },
  };
}

function listen(
  registry: ReturnType<typeof createBackupMetrics>['registry'],
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, () => {
      done(server);
    });
  });
}
