import { bool, cleanEnv, makeValidator, port, str, url } from 'envalid';
import { ConfigError, resolveSecretFiles, type RawEnv } from './secret-files.js';

export const positiveInt = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('must be a non-negative integer');
  return n;
});

export const mongoUrl = makeValidator<string>((input) => {
  if (!/^mongodb(\+srv)?:\/\/[^\s]+$/.test(input)) throw new Error('must be a mongodb:// URL');
  return input;
});

const optionalSecret = (desc: string) => str({ default: undefined, desc });

const spec = {
  PORT: port({ default: 3000, desc: 'HTTP port of one replica' }),
  MONGO_URL: mongoUrl({
    default: 'mongodb://127.0.0.1:27017/groundwork',
    desc: 'MongoDB connection string; the database name is its path',
  }),
  REDIS_URL: url({
    default: 'redis://127.0.0.1:6379',
    desc: 'Redis or KeyDB holding state that must not be evicted: sessions, limiter counters',
  }),
  CACHE_REDIS_URL: url({
    default: undefined,
    desc: 'Redis or KeyDB holding the read cache (LRU-capped, no persistence); REDIS_URL when unset',
  }),
  MONGO_PASSWORD: optionalSecret('MongoDB password, joined to MONGO_URL when set'),
  REDIS_PASSWORD: optionalSecret('State Redis password, joined to REDIS_URL when set'),
  CACHE_REDIS_PASSWORD: optionalSecret(
    'Cache Redis password, joined to CACHE_REDIS_URL when set; REDIS_PASSWORD when unset',
  ),
  ADMIN_PASSWORD: optionalSecret('Password of the first admin, created at start-up if missing'),
  DEVICE_KEY: optionalSecret(
    'Key that signs device cookies (a device that signed in before skips the per-account lock); unset: no device is trusted',
  ),
  LOG_LEVEL: str({
    default: 'info',
    choices: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
    desc: 'winston log level',
  }),
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
    // The driver's 10 s default let a vanished MongoDB hold requests for 12 s. 1 s
    // made a clean stop worse: checks every second flip the driver's view while
    // MongoDB shuts down, and reads caught in between waited out server selection
    // (2-4 s; tests/integration/cache/mongo-down served 48-321 cached reads in its
    // 2.5 s window at 1 s, about 2,000 at 2 s).
    default: 2000,
    desc: 'How often the driver checks MongoDB; a silent (vanished) MongoDB is noticed within this plus MONGO_TIMEOUT_MS',
  }),
  MONGO_MAX_TIME_MS: positiveInt({
    // Ten times the slowest query a healthy replica runs (a `q` search over 3,000
    // projects, tens of ms on FerretDB) and well under nginx's 15 s: a query past it
    // is a scan nobody will wait for, and the server stops it and frees its slot.
    default: 3000,
    desc: 'Server-side time limit (maxTimeMS) of every MongoDB query and write the app sends; past it, 503',
  }),
  LIST_CONCURRENCY: positiveInt({
    // 4 of the driver's 20 pooled connections: by-id reads, writes and sign-ins keep
    // the other 16, and on 2 cores 4 scans at once already keep MongoDB busy.
    default: 4,
    desc: 'Uncached list pages and stats (they scan) one replica runs against MongoDB at once, at most (fewer while scans take longer than LATENCY_TARGET_MS)',
  }),
  LIST_QUEUE: positiveInt({
    // A short burst (a page that loads two lists) waits; a flood is refused at once
    // instead of holding sockets until nginx gives up.
    default: 4,
    desc: 'Uncached list pages and stats that may wait for a slot, at most; past it, a 503 with Retry-After at once',
  }),
  LIST_WAIT_MS: positiveInt({
    // nginx gives up on a read after 5 s: after 2 s in line a search still has time for
    // its scan (under a second here); later, the answer would likely reach nobody.
    default: 2000,
    desc: 'How long an uncached list page or stats may wait for a slot; one that would wait longer (by how long recent ones took) gets a 503 with Retry-After at once',
  }),
  LIST_PER_CLIENT: positiveInt({
    // Two: a page that loads two lists at once is served. One address then holds at
    // most 2 of the bulkhead's 5-8 places, and another address's two at once still fit.
    default: 2,
    desc: 'List pages and stats of one client (address) one replica works on at once, at most; past it, a 429 with Retry-After at once',
  }),
  MAX_IN_FLIGHT: positiveInt({
    // The ceiling of the adaptive limit, not a tuned figure: below it the latency rule
    // (LATENCY_TARGET_MS) decides. Above the driver's 20 pooled connections, so while
    // answers are fast the pool, not this cap, is what bounds database work.
    default: 32,
    desc: 'At most this many requests past the cached fast path one replica works on at once; past its limit, a 503 with Retry-After at once (0: no cap)',
  }),
  LATENCY_TARGET_MS: positiveInt({
    // Half the 1 s p99 the stack promises past capacity, so admitted work stays under
    // it; well above a healthy scan here (p99 0.1-0.4 s at capacity in the ramp).
    default: 500,
    desc: 'Answers slower than this lower the in-flight limit below MAX_IN_FLIGHT; faster ones raise it back (0: it stays at MAX_IN_FLIGHT)',
  }),
  MAX_EVENT_LOOP_DELAY_MS: positiveInt({
    // A replica whose loop is 50 ms late per 10 ms tick has no CPU to spare: every
    // request it admits waits that long before its first line runs. An idle one's is
    // under a millisecond. Late in three windows running, not one: a single stall (GC,
    // the host busy starting containers in a rollout) failed requests in bad-image.
    default: 50,
    desc: 'Event-loop delay (lowest mean of the last three 100 ms windows) past which a replica refuses new requests with a 503 at once (0: never)',
  }),
  REDIS_TIMEOUT_MS: positiveInt({
    default: 300,
    desc: 'How long a Redis command may take before it is treated as failed',
  }),
  CACHE_ENABLED: bool({
    default: true,
    desc: 'Read projects through the L1/L2 cache; false reads MongoDB directly (benchmarks, debugging)',
  }),
  CACHE_L1_MAX_BYTES: positiveInt({
    default: 32 * 1024 * 1024,
    desc: 'Upper bound on the bytes of JSON each replica keeps in its in-process cache',
  }),
  CACHE_L1_TTL_MS: positiveInt({
    default: 5000,
    desc: 'How long a replica trusts its in-process copy; a safety net, since writes evict it at once',
  }),
  CACHE_L2_TTL_MS: positiveInt({
    default: 60000,
    desc: 'How long an entry in Redis counts as fresh',
  }),
  CACHE_L2_JITTER_MS: positiveInt({
    default: 10000,
    desc: 'Random extra Redis TTL, up to this, so entries cached together do not expire together',
  }),
  CACHE_GRACE_MS: positiveInt({
    default: 300000,
    desc: 'While MongoDB fails, an entry this far past its TTL is still served, as X-Cache: STALE',
  }),
  CACHE_NEGATIVE_TTL_MS: positiveInt({
    default: 5000,
    desc: 'How long Redis keeps "no such project" (a 404); short, and with no grace period',
  }),
  CACHE_ADMIT_WINDOW_MS: positiveInt({
    default: 60000,
    desc: 'A list page is stored in Redis only when missed a second time within this (0: on the first miss)',
  }),
  CACHE_REDIS_TIMEOUT_MS: positiveInt({
    default: 100,
    desc: 'A cache command slower than this counts as a Redis failure and the read goes to MongoDB',
  }),
  CACHE_BREAKER_FAILURES: positiveInt({
    default: 3,
    desc: 'Consecutive Redis failures that open the cache breaker (Redis is then skipped)',
  }),
  CACHE_BREAKER_COOLDOWN_MS: positiveInt({
    default: 1000,
    desc: 'How long the cache breaker stays open before it probes Redis again',
  }),
  CACHE_LEASE_MS: positiveInt({
    default: 2500,
    desc: 'How long one replica may hold the lease to fill a cold key before others read MongoDB too',
  }),
  CACHE_DB_COOLDOWN_MS: positiveInt({
    default: 1000,
    desc: 'After MongoDB fails a read, uncached reads answer 503 at once for this long',
  }),
  CACHE_EPOCH_POLL_MS: positiveInt({
    default: 100,
    desc: 'While Redis is in doubt, how often a replica re-reads the cache epoch writes then bump (0: never)',
  }),
  CACHE_EPOCH_IDLE_POLL_MS: positiveInt({
    default: 1000,
    desc: 'While Redis is healthy, how often a replica re-reads the cache epoch anyway (0: never)',
  }),
  CACHE_HEARTBEAT_MS: positiveInt({
    default: 50,
    desc: 'How often a replica proves through Redis pub/sub that it hears invalidations; 2 beats unanswered, L1 is not trusted',
  }),
  HTTP_FAST_READS: bool({
    default: true,
    desc: 'Answer fresh cache hits of the project reads without Koa (same bytes, log line and metric)',
  }),
  RATE_LIMIT_SCALE: makeValidator<number>((input) => {
    const n = Number(input);
    if (!Number.isFinite(n) || n <= 0) throw new Error('must be a positive number');
    return n;
  })({
    default: 1,
    desc: 'Multiplies every app-level rate limit; leave at 1 except for load tests and benchmarks',
  }),
  REDIS_RECONNECT_WAIT_MS: positiveInt({
    // A Redis task killed in Swarm is back in about 5 s (restart delay, start, first
    // healthcheck, DNS; tests/e2e/data-restart); waiting turns that into latency for
    // signed-in writes instead of 503s. 10 s stays under nginx's 15 s read timeout.
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

type Cleaned = ReturnType<typeof cleanEnv<typeof spec>>;
export type Config = Readonly<
  Omit<
    Cleaned,
    'MONGO_PASSWORD' | 'REDIS_PASSWORD' | 'CACHE_REDIS_PASSWORD' | 'CACHE_REDIS_URL'
  > & {
    CACHE_REDIS_URL: string;
  }
>;

/**
 * Validates the environment once. Throws ConfigError with a one-line message naming
 * the first bad variable; main.ts prints it and exits.
 */
export function loadConfig(env: RawEnv = process.env): Config {
  const raw = resolveSecretFiles(env);
  const cleaned = cleanEnv(raw, spec, {
    reporter: ({ errors }) => {
      const [name, error] = Object.entries(errors)[0] ?? [];
      if (name !== undefined) throw new ConfigError(`${name}: ${describe(error)}`);
    },
  });
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

export function describe(error: Error | undefined): string {
  // envalid says "Missing" or the validator's message; never echo the value itself,
  // which may be a secret.
  const message = error?.message ?? 'invalid';
  return message.startsWith('Invalid') ? 'invalid value' : message;
}

export function withPassword(connection: string, password: string | undefined): string {
  if (password === undefined || password === '') return connection;
  const parsed = new URL(connection);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** A connection string safe to log: credentials removed. */
export function redactUrl(connection: string): string {
  try {
    const parsed = new URL(connection);
    parsed.username = parsed.username ? '***' : '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
