// The overload scenario's load (tests/e2e/overload.test.ts), run by netns-agent.ts inside
// one namespace that holds many addresses: each address is a client of its own to
// nginx, and all of them share this one process, so the load costs the machine little
// CPU however many clients there are.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../../support/latency.js';
import { Client, pacedSends, type CallOptions, type Reply } from './client.js';
import { signUp, type User } from '../../support/sign-up.js';

export interface SurgeJob {
  kind: 'surge';
  url: string;
  ips: string[];
  /** Signed-in users that write; each writes at most WRITES_PER_USER_PER_S. */
  writers: number;
  /** Phase 1: from `fromRps`, times `factor` every `stepMs`, until two steps in a row fail. */
  ramp: { fromRps: number; factor: number; stepMs: number; maxRps: number };
  /** Phase 2: `factor` x the capacity phase 1 found; phase 3: `afterFactor` x it. */
  surge: { factor: number; durationMs: number; afterFactor: number; afterMs: number };
}

/** What a request was, by its slot in the mix (MIX below). */
export const KINDS = ['cached', 'uncached', 'list', 'search', 'write'] as const;
export type Kind = (typeof KINDS)[number];

// 20 requests of each address, in this order: cached by-id reads (a hot set nobody
// writes: fresh L1 hits), by-id reads of projects that are written all the time
// (mostly misses), a list page and a search whose distinct query no cache holds, and a
// write. Reads of the public dominate, as on any API; everything but the hits reaches
// MongoDB. Scans are a tenth: each costs FerretDB's one CPU ~0.1 s per 1,000 projects,
// so at 3 in 20 the capacity found was set by how much earlier tests had written.
const MIX: Kind[] = [
  ...Array<Kind>(12).fill('cached'),
  ...Array<Kind>(5).fill('uncached'),
  'list',
  'search',
  'write',
];
const HOT_PROJECTS = 8;
// The per-user write limit is 60 a minute (app/rate-limit/limiters.ts); stay below it.
const WRITES_PER_USER_PER_S = 0.8;
/** A step passes when this share of its requests succeeds, with a p99 within the goal. */
const STEP_SUCCESS = 0.99;
const STEP_P99_MS = 1000;
const WARM_UP_MS = 4000;

/** 0: phase 1 (ramp), 1: phase 2 (surge), 2: phase 3 (after). */
export type Phase = 0 | 1 | 2;

/** One request: [sent (ms from the ramp's start), latency ms, status (0: no answer), kind, phase, refusal well-formed (1/0)]. */
export type Sample = [number, number, number, number, Phase, number];

export interface Step {
  rps: number;
  sent: number;
  ok: number;
  p99Ms: number;
  passed: boolean;
}

export interface SurgeResult {
  capacity: number;
  steps: Step[];
  /** ms from the ramp's start at which phase 2 and phase 3 began, and phase 3 ended. */
  surgeAt: number;
  afterAt: number;
  endAt: number;
  maxLateMs: number;
  /** CPU this process used (ms), by phase. */
  cpuMs: number[];
  samples: Sample[];
}

interface Writer extends User {
  project: string;
}

interface Planned {
  kind: Kind;
  path: string;
  options?: CallOptions;
}

function success(status: number): boolean {
  return (status >= 200 && status < 300) || status === 304;
}

/** A refusal as the goal wants it: 503 or 429, problem+json, Retry-After in seconds. */
function wellRefused(reply: Reply): boolean {
  return (
    (reply.status === 503 || reply.status === 429) &&
    String(reply.headers['content-type']).startsWith('application/problem+json') &&
    /^\d+$/.test(String(reply.headers['retry-after']))
  );
}

export async function runSurge(job: SurgeJob): Promise<SurgeResult> {
  // Room for every request an address has in flight: a pool that queues would slow the
  // offered load down exactly when the stack slows, hiding the overload.
  const clients = job.ips.map((ip) => new Client(job.url, ip, undefined, 256));
  try {
    const writers = await prepare(clients, job.writers);
    const hot = writers.slice(0, HOT_PROJECTS).map((w) => w.hot);
    return await offer(job, clients, hot, writers);
  } finally {
    for (const client of clients) client.close();
  }
}

/**
 * Sends again after a 503 or 429, as a well-behaved client does after Retry-After (1 s
 * here): a replica busy with other sign-ups' scrypt work may refuse one.
 */
async function politely<R extends { status: number }>(send: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    const reply = await send();
    if (attempt >= 5 || (reply.status !== 503 && reply.status !== 429)) return reply;
    await sleep(1000);
  }
}

/** Signs up the writers (registrations spread over the addresses) and gives each a project. */
async function prepare(clients: Client[], count: number) {
  const tag = Date.now().toString(36);
  const made: (Writer & { hot: string })[] = [];
  const one = async (i: number) => {
    const client = clients[i % clients.length]!;
    const user = await signUp(client, `surge-${tag}-${i}`, { attempt: politely });
    const create = async (name: string) => {
      const json = { name, budget: 1000, status: 'planning' };
      const post = () => client.call('/projects', { method: 'POST', token: user.token, json });
      const reply = await politely(post);
      if (reply.status !== 201) throw new Error(`create ${name}: ${reply.status} ${reply.text}`);
      return (reply.body as { id: string }).id;
    };
    const project = await create(`surge ${tag} ${i}`);
    const hot = i < HOT_PROJECTS ? await create(`surge hot ${tag} ${i}`) : '';
    made[i] = { ...user, project, hot };
  };
  // Three at a time, about one per replica: each sign-up is two scrypt runs.
  for (let i = 0; i < count; i += 3) {
    await Promise.all(Array.from({ length: Math.min(3, count - i) }, (_, k) => one(i + k)));
  }
  return made;
}

async function offer(
  job: SurgeJob,
  clients: Client[],
  hot: string[],
  writers: Writer[],
): Promise<SurgeResult> {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const writable = Array<number>(writers.length).fill(-Infinity);
  let n = 0;
  let maxLateMs = 0;

  const request = (kind: Kind): Planned => {
    const unique = n;
    if (kind === 'cached') return { kind, path: `/projects/${hot[unique % hot.length]!}` };
    if (kind === 'uncached') {
      return { kind, path: `/projects/${writers[unique % writers.length]!.project}` };
    }
    if (kind === 'list') return { kind, path: `/projects?limit=10&minBudget=${1e6 + unique}` };
    if (kind === 'search') return { kind, path: `/projects?limit=10&q=surge-${unique}` };
    // A write: the writer whose turn came longest ago, if its budget allows it now.
    const now = performance.now();
    const w = writable.indexOf(Math.min(...writable));
    if (now - writable[w]! < 1000 / WRITES_PER_USER_PER_S) return request('uncached');
    writable[w] = now;
    const writer = writers[w]!;
    // Whole units: 1000 + n / 100 in floating point has more than two decimals for some n
    // (12811 first), which the API rightly answers 400.
    const json = { budget: 1000 + (unique % 100000) };
    const path = `/projects/${writer.project}`;
    return { kind, path, options: { method: 'PATCH', json, token: writer.token } };
  };

  const send = (phase: Phase) => {
    // Addresses in turn; the mix shifts by one slot each round of them, so that every
    // address sends every kind and the kinds are interleaved in time.
    const client = clients[n % clients.length]!;
    const slot = (n + Math.floor(n / clients.length)) % MIX.length;
    const { kind, path, options } = request(MIX[slot]!);
    n += 1;
    const sentAt = performance.now();
    const done = client.call(path, options).then(
      (reply) => {
        const refusal = success(reply.status) ? 1 : Number(wellRefused(reply));
        samples.push([t(sentAt), ms(sentAt), reply.status, KINDS.indexOf(kind), phase, refusal]);
      },
      () => void samples.push([t(sentAt), ms(sentAt), 0, KINDS.indexOf(kind), phase, 0]),
    );
    const tracked = done.finally(() => pending.delete(tracked));
    pending.add(tracked);
    return done;
  };
  const t = (at: number) => Math.round(at - started);
  const ms = (since: number) => Math.round((performance.now() - since) * 10) / 10;

  /** Sends at `rps` for `durationMs`; the promises of what it sent. */
  const pace = (rps: number, durationMs: number, phase: Phase) =>
    pacedSends(rps, durationMs, (_, lateMs) => {
      maxLateMs = Math.max(maxLateMs, lateMs);
      return send(phase);
    });

  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const cpuMs: number[] = [];
  let cpuFrom = cpu();
  const lap = () => {
    const now = cpu();
    cpuMs.push(Math.round(now - cpuFrom));
    cpuFrom = now;
  };

  // A warm-up, not judged: connections open, and each replica's JIT and caches warm.
  await Promise.all(await pace(job.ramp.fromRps / 2, WARM_UP_MS, 0));
  // Phase 1: a step is judged once its requests are answered, while the next one runs.
  const steps: Step[] = [];
  let judging: Promise<void> = Promise.resolve();
  for (let rps = job.ramp.fromRps; rps <= job.ramp.maxRps; rps *= job.ramp.factor) {
    const first = samples.length;
    const from = t(performance.now());
    const sent = await pace(rps, job.ramp.stepMs, 0);
    const to = t(performance.now());
    await judging;
    if (steps.length >= 2 && !steps.at(-1)!.passed && !steps.at(-2)!.passed) break;
    const step = { rps: Math.round(rps), from, to };
    judging = Promise.all(sent).then(() => {
      const mine = samples.slice(first).filter((s) => s[0] >= step.from && s[0] < step.to);
      const ok = mine.filter((s) => success(s[2]));
      const p99Ms = percentile(
        ok.map((s) => s[1]),
        99,
      );
      const passed = ok.length >= STEP_SUCCESS * mine.length && p99Ms <= STEP_P99_MS;
      steps.push({ rps: step.rps, sent: mine.length, ok: ok.length, p99Ms, passed });
    });
  }
  await judging;
  lap();
  const best = steps.filter((s) => s.passed).map((s) => (s.ok / job.ramp.stepMs) * 1000);
  const capacity = Math.round(Math.max(0, ...best));
  if (capacity === 0) throw new Error(`no step of the ramp passed: ${JSON.stringify(steps)}`);

  // Phase 1's overload drains before the surge starts from a known state.
  await Promise.all(pending);
  await sleep(2000);
  const surgeAt = t(performance.now());
  const surged = await pace(capacity * job.surge.factor, job.surge.durationMs, 1);
  lap();
  // Phase 3 follows at once: how soon after the surge is service normal again?
  const afterAt = t(performance.now());
  const calm = await pace(capacity * job.surge.afterFactor, job.surge.afterMs, 2);
  const endAt = t(performance.now());
  await Promise.all([...surged, ...calm]);
  lap();
  return {
    capacity,
    steps,
    surgeAt,
    afterAt,
    endAt,
    maxLateMs: Math.round(maxLateMs),
    cpuMs,
    samples,
  };
}
