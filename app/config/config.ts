import { bool, port, str, url } from 'envalid';
import { CACHE_SETTINGS } from './cache-settings.js';
import { CAPACITY_SETTINGS } from './capacity-settings.js';
import { cleanConfig } from './clean-env.js';
import { withPassword } from './connection-urls.js';
import type { RawEnv } from './secret-files.js';
import { SHARED_SETTINGS } from './shared-settings.js';
import { optionalSecret, positiveInt, positiveNumber } from './validators.js';

const spec = {
  PORT: port({ default: 3000, desc: 'HTTP port of one replica' }),
  ...SHARED_SETTINGS,
  REDIS_URL: url({
    default: 'redis://127.0.0.1:6379',
    desc: 'Redis or KeyDB holding state that must not be evicted: sessions, limiter counters',
  }),
  CACHE_REDIS_URL: url({
    default: undefined,
    desc: 'Redis or KeyDB holding the read cache (LRU-capped, no persistence); REDIS_URL when unset',
  }),
  REDIS_PASSWORD: optionalSecret('State Redis password, joined to REDIS_URL when set'),
  CACHE_REDIS_PASSWORD: optionalSecret(
    'Cache Redis password, joined to CACHE_REDIS_URL when set; REDIS_PASSWORD when unset',
  ),
  ADMIN_PASSWORD: optionalSecret('Password of the first admin, created at start-up if missing'),
  DEVICE_KEY: optionalSecret(
    'Key that signs device cookies (a device that signed in before skips the per-account lock); unset: no device is trusted',
  ),
  TRUST_PROXY: bool({
    default: false,
    desc: 'Take the client IP from the last X-Forwarded-For hop (true behind nginx only)',
  }),
  DRAIN_DELAY_MS: positiveInt({
    default: 10000,
    desc: 'After SIGTERM, keep serving this long with /readyz at 503 so load balancers move away',
  }),
  SHUTDOWN_TIMEOUT_MS: positiveInt({
    default: 30000,
    desc: 'After SIGTERM, exit non-zero if shutdown has not finished by then',
  }),
  KEEP_ALIVE_TIMEOUT_MS: positiveInt({
    default: 65000,
    desc: "Idle keep-alive timeout; above nginx's upstream keepalive_timeout (4 s)",
  }),
  MONGO_TIMEOUT_MS: positiveInt({
    default: 2000,
    desc: 'How long a MongoDB operation waits for a server before failing with 503',
  }),
  MONGO_HEARTBEAT_MS: positiveInt({
    // The driver's 10 s let a vanished MongoDB hold requests for 12 s; 1 s flipped its
    // view during a clean stop, and reads caught in between waited out server selection.
    default: 2000,
    desc: 'How often the driver checks MongoDB; a silent (vanished) MongoDB is noticed within this plus MONGO_TIMEOUT_MS',
  }),
  ...CAPACITY_SETTINGS,
  REDIS_TIMEOUT_MS: positiveInt({
    default: 300,
    desc: 'How long a Redis command may take before it is treated as failed',
  }),
  ...CACHE_SETTINGS,
  RATE_LIMIT_SCALE: positiveNumber({
    default: 1,
    desc: 'Multiplies every app-level rate limit; leave at 1 except for load tests and benchmarks',
  }),
  REDIS_RECONNECT_WAIT_MS: positiveInt({
    // A Redis task killed in Swarm is back in about 5 s: waiting turns that into latency
    // for signed-in writes instead of 503s, and 10 s stays under nginx's 15 s.
    default: 10000,
    desc: 'How long a request that needs Redis (a session check) waits for a lost connection to return before a 503',
  }),
  SESSION_TTL_SECONDS: positiveInt({ default: 43200, desc: 'Lifetime of a login token' }),
  MAX_SESSIONS_PER_USER: positiveInt({
    // A person's devices and browsers, with room; a script signing in over and over
    // keeps the newest 100 and cannot grow the state Redis by signing in.
    default: 100,
    desc: 'Live sessions one account keeps, across replicas; a new sign-in past it ends the oldest',
  }),
  APP_VERSION: str({ default: '0.1.0', desc: 'Build version shown by GET /version' }),
  APP_COMMIT: str({ default: 'unknown', desc: 'Build commit shown by GET /version' }),
};

/** Every variable the service reads, for documentation checks. */
export const CONFIG_VARIABLES = Object.keys(spec);

type Cleaned = ReturnType<typeof cleanConfig<typeof spec>>;
export type Config = Readonly<
  Omit<
    Cleaned,
    'MONGO_PASSWORD' | 'REDIS_PASSWORD' | 'CACHE_REDIS_PASSWORD' | 'CACHE_REDIS_URL'
  > & {
    CACHE_REDIS_URL: string;
  }
>;

/** Validates the environment once; a bad variable is a ConfigError that names it. */
export function loadConfig(env: RawEnv = process.env): Config {
  const cleaned = cleanConfig(env, spec);
  const { MONGO_PASSWORD, REDIS_PASSWORD, CACHE_REDIS_PASSWORD, ...rest } = cleaned;
  return Object.freeze({
    ...rest,
    MONGO_URL: withPassword(rest.MONGO_URL, MONGO_PASSWORD),
    REDIS_URL: withPassword(rest.REDIS_URL, REDIS_PASSWORD),
    // Each Redis its own password (the stack's two secrets); one Redis doing both, one.
    CACHE_REDIS_URL: withPassword(
      rest.CACHE_REDIS_URL ?? rest.REDIS_URL,
      CACHE_REDIS_PASSWORD ?? REDIS_PASSWORD,
    ),
  });
}
