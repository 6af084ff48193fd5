import { Counter, Gauge, Registry } from 'prom-client';
import { newestArchive, type ArchiveInfo } from './archive-dir.js';

export interface BackupMetrics {
  registry: Registry;
  runs: Counter<'result'>;
}

/**
 * The last-* gauges describe the newest good archive in `dir`, read at scrape time, so
 * a backup another process made and restarts of this one count alike. No archive: no
 * sample, which the alert rules read as "never".
 */
export function createBackupMetrics(dir: string, intervalSeconds: number): BackupMetrics {
  const registry = new Registry();
  // One read of the archive per scrape, shared by the three gauges.
  let pending: Promise<ArchiveInfo | undefined> | undefined;
  const newest = () =>
    (pending ??= newestArchive(dir).finally(() => setImmediate(() => (pending = undefined))));
  const fromNewest = (name: string, help: string, value: (info: ArchiveInfo) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const info = await newest();
        if (info) this.set(value(info));
      },
    });
  fromNewest(
    'groundwork_backup_last_success_timestamp_seconds',
    'When the newest good archive was complete (unix seconds)',
    (info) => info.finishedMs / 1000,
  );
  fromNewest(
    'groundwork_backup_last_size_bytes',
    'Bytes of the newest good archive',
    (info) => info.bytes,
  );
  fromNewest(
    'groundwork_backup_last_duration_seconds',
    'How long the newest good archive took, from its start to its last byte',
    (info) => (info.finishedMs - Date.parse(info.manifest.time)) / 1000,
  );
  const runs = new Counter({
    name: 'groundwork_backup_runs_total',
    help: "This scheduler's backup runs, by result",
    labelNames: ['result'] as const,
    registers: [registry],
  });
  runs.inc({ result: 'success' }, 0);
  runs.inc({ result: 'failure' }, 0);
  new Gauge({
    name: 'groundwork_backup_interval_seconds',
    help: 'Seconds between two scheduled backups (BACKUP_INTERVAL)',
    registers: [registry],
  }).set(intervalSeconds);
  return { registry, runs };
}
