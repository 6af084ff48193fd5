import { port, str } from 'envalid';
import { cleanConfig } from '../config/clean-env.js';
import { withPassword } from '../config/connection-urls.js';
import { ConfigError, type RawEnv } from '../config/secret-files.js';
import { SHARED_SETTINGS } from '../config/shared-settings.js';
import { positiveInt } from '../config/validators.js';

const spec = {
  ...SHARED_SETTINGS,
  MONGO_TIMEOUT_MS: positiveInt({
    default: 2000,
    desc: 'How long a MongoDB operation waits for a server before failing',
  }),
  APP_VERSION: str({ default: '0.1.0', desc: 'Build version, written into each manifest' }),
  BACKUP_DIR: str({ default: '/backups', desc: 'Directory holding the archives' }),
  BACKUP_INTERVAL: positiveInt({ default: 3600, desc: 'Seconds between two scheduled backups' }),
  BACKUP_KEEP: positiveInt({
    default: 48,
    desc: 'Archives kept after each scheduled backup (the newest)',
  }),
  BACKUP_METRICS_PORT: port({
    default: 9464,
    desc: 'Port of the scheduler metrics (/metrics) and health check (/healthz)',
  }),
  BACKUP_BATCH_SIZE: positiveInt({
    default: 500,
    desc: 'Documents read from MongoDB per batch, and inserted per batch on restore',
  }),
  BACKUP_BATCH_PAUSE_MS: positiveInt({
    // A pause between batches leaves FerretDB's CPU to the API's reads.
    default: 5,
    desc: 'Pause between two read batches of a backup, so it never starves the API',
  }),
};

/** Every variable the backup command reads, for documentation checks. */
export const BACKUP_CONFIG_VARIABLES = Object.keys(spec);

type Cleaned = ReturnType<typeof cleanConfig<typeof spec>>;
export type BackupConfig = Readonly<Omit<Cleaned, 'MONGO_PASSWORD'>>;

/** Validates the environment like the app's loadConfig: one ConfigError naming the variable. */
export function loadBackupConfig(env: RawEnv = process.env): BackupConfig {
  const cleaned = cleanConfig(env, spec);
  const { MONGO_PASSWORD, ...rest } = cleaned;
  for (const name of ['BACKUP_INTERVAL', 'BACKUP_KEEP', 'BACKUP_BATCH_SIZE'] as const) {
    if (rest[name] < 1) throw new ConfigError(`${name}: must be at least 1`);
  }
  return Object.freeze({ ...rest, MONGO_URL: withPassword(rest.MONGO_URL, MONGO_PASSWORD) });
}
