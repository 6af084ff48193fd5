import { cleanEnv } from 'envalid';
import { ConfigError, resolveSecretFiles, type RawEnv } from './secret-files.js';

/**
 * envalid over `env` with its secret files read: throws one ConfigError naming the
 * first bad variable (main.ts and the backup CLI print it and exit).
 */
export function cleanConfig<S>(env: RawEnv, spec: S) {
  return cleanEnv(resolveSecretFiles(env), spec, {
    reporter: ({ errors }) => {
      const [name, error] = Object.entries(errors)[0] ?? [];
      if (name !== undefined)
        throw new ConfigError(`${name}: ${describe(error as Error | undefined)}`);
    },
  });
}

/** envalid's complaint about a variable, never its value (which may be a secret). */
function describe(error: Error | undefined): string {
  const message = error?.message ?? 'invalid';
  return message.startsWith('Invalid') ? 'invalid value' : message;
}
