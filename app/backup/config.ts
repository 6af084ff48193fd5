import { cleanEnv, port, str } from 'envalid';
import { describe, mongoUrl, positiveInt, withPassword } from '../config/config.js';
import { ConfigError, resolveSecretFiles, type RawEnv } from '../config/secret-files.js';

const spec = {
  MONGO_URL: mongoUrl({
    default: 'mongodb://127.0.0.1:27017/groundwork',
    desc: 'MongoDB connection string; the database name is its path',
  }),
  MONGO_PASSWORD: str({
    default: undefined,
    desc: 'MongoDB password, joined to MONGO_URL when set',
  }),
  MONGO_TIMEOUT_MS: positiveInt({
    default: 2000,
    desc: 'How long a MongoDB operation waits for a server before failing',
  }),
  LOG_LEVEL: str({
    default: 'info',
    choices: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
    desc: 'winston log level',
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

type Cleaned = ReturnType<typeof cleanEnv<typeof spec>>;
export type BackupConfig = Readonly<Omit<Cleaned, 'MONGO_PASSWORD'>>;

/** Validates the environment like the app's loadConfig: one ConfigError naming the variable. */
export function loadBackupConfig(env: RawEnv = process.env): BackupConfig {
  const cleaned = cleanEnv(resolveSecretFiles(env), spec, {
    reporter: ({ errors }) => {
      const [name, error] = Object.entries(errors)[0] ?? [];
      if (name !== undefined) throw new ConfigError(`${name}: ${describe(error)}`);
    },
  });
  const { MONGO_PASSWORD, ...rest } = cleaned;
  for (const name of ['BACKUP_INTERVAL', 'BACKUP_KEEP', 'BACKUP_BATCH_SIZE'] as const) {
    if (rest[name] < 1) throw new ConfigError(`${name}: must be at least 1`);
  }
  return Object.freeze({ ...rest, MONGO_URL: withPassword(rest.MONGO_URL, MONGO_PASSWORD) });
}
