import { readFileSync } from 'node:fs';

/** Secrets that may arrive as NAME (plain) or NAME_FILE (path, as Swarm mounts them). */
export const SECRET_NAMES = [
  'MONGO_PASSWORD',
  'REDIS_PASSWORD',
  'CACHE_REDIS_PASSWORD',
  'ADMIN_PASSWORD',
] as const;

export type RawEnv = Record<string, string | undefined>;

/**
 * Returns a copy of `env` where every NAME_FILE has been replaced by NAME holding the
 * file's content. The copy is what gets validated; process.env is never written, so a
 * secret read from a file never shows up in an environment listing.
 * A file that cannot be read, or both NAME and NAME_FILE set, is a configuration error.
 */
export function resolveSecretFiles(env: RawEnv, read = readSecretFile): RawEnv {
  const fileVars = new Set<string>(SECRET_NAMES.map((name) => `${name}_FILE`));
  const out: RawEnv = Object.fromEntries(Object.entries(env).filter(([key]) => !fileVars.has(key)));
  for (const name of SECRET_NAMES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new ConfigError(`${name}_FILE: set either ${name} or ${name}_FILE, not both`);
    }
    try {
      out[name] = read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${code})`);
    }
  }
  return out;
}

function readSecretFile(path: string): string {
  // Secret files commonly end with a newline added by an editor or `echo`; it is not
  // part of the secret.
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
