import { positiveInt } from './validators.js';

/** How much work one replica takes on before it refuses at once instead of queueing. */
export const CAPACITY_SETTINGS = {
  MONGO_MAX_TIME_MS: positiveInt({
    // Ten times the slowest healthy query (a `q` search, tens of ms) and well under
    // nginx's 15 s: past it, a scan nobody will wait for is stopped by the server.
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
    // A short burst (a page that loads two lists) waits; a flood is refused at once.
    default: 4,
    desc: 'Uncached list pages and stats that may wait for a slot, at most; past it, a 503 with Retry-After at once',
  }),
  LIST_WAIT_MS: positiveInt({
    // nginx gives up on a read after 5 s: a search that waited 2 s still has time to scan.
    default: 2000,
    desc: 'How long an uncached list page or stats may wait for a slot; one that would wait longer (by how long recent ones took) gets a 503 with Retry-After at once',
  }),
  LIST_PER_CLIENT: positiveInt({
    // A page that loads two lists at once is served; another address's two still fit.
    default: 2,
    desc: 'List pages and stats of one client (address) one replica works on at once, at most; past it, a 429 with Retry-After at once',
  }),
  MAX_IN_FLIGHT: positiveInt({
    // A ceiling, not a tuned figure: below it LATENCY_TARGET_MS decides. Above the
    // driver's 20 pooled connections, so while answers are fast the pool bounds the work.
    default: 32,
    desc: 'At most this many requests past the cached fast path one replica works on at once; past its limit, a 503 with Retry-After at once (0: no cap)',
  }),
  LATENCY_TARGET_MS: positiveInt({
    // Half the 1 s p99 the stack promises past capacity, so admitted work stays under it.
    default: 500,
    desc: 'Answers slower than this lower the in-flight limit below MAX_IN_FLIGHT; faster ones raise it back (0: it stays at MAX_IN_FLIGHT)',
  }),
  MAX_EVENT_LOOP_DELAY_MS: positiveInt({
    // 50 ms late per 10 ms tick leaves no CPU to spare; three windows running, so a
    // single stall (GC, a busy host during a rollout) refuses nothing.
    default: 50,
    desc: 'Event-loop delay (lowest mean of the last three 100 ms windows) past which a replica refuses new requests with a 503 at once (0: never)',
  }),
};
