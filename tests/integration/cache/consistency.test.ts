import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { resetData } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import {
  createProject,
  expectFresh,
  loadLoop,
  useReplicas,
  type Sample,
  type Stale,
} from './support.js';
import { signUp } from '../../support/sign-up.js';

// The promise: on the replica that handled a write, never an older version after its
// response; on any replica, never an older version once this long has passed.
const BOUND_MS = 100;
const WRITES_PER_WRITER = 40; // under the 60-a-minute per-user write limit

interface Ack {
  version: number;
  budget: number;
  at: number;
}

describe('cache: consistency across replicas under concurrent writes', function () {
  this.timeout(60000);
  const apps = useReplicas(3);

  before(async () => {
    await resetData(apps[0]!.deps);
  });

  it(`when writers and readers run on every replica, then no read is older than the last acknowledged write by more than ${BOUND_MS} ms, and none at all on the writing replica`, async () => {
    const writers = await Promise.all(
      apps.map(async (app, home) => {
        const ip = `10.3.0.${home + 1}`;
        const token = (await signUp(app.url, 'cache', { forwardedFor: ip })).token;
        return { home, ip, token, id: await createProject(app.url, token, ip), acks: [] as Ack[] };
      }),
    );
    const ids = writers.map((w) => w.id);
    const paths = [...ids.map((id) => `/projects/${id}`), '/projects?limit=100', '/projects/stats'];
    const load = loadLoop(apps, 9, () => paths[Math.floor(Math.random() * paths.length)]!);

    await Promise.all(
      writers.map(async (w) => {
        for (let n = 1; n <= WRITES_PER_WRITER; n += 1) {
          const reply = await call(apps[w.home]!.url, `/projects/${w.id}`, {
            method: 'PATCH',
            token: w.token,
            json: { budget: n + 1 },
            headers: { 'x-forwarded-for': w.ip },
          });
          expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
          w.acks.push({ version: reply.body.version, budget: n + 1, at: performance.now() });
          await sleep(20 + Math.random() * 40);
        }
      }),
    );
    const samples = await load.stop();

    const acks = new Map(writers.map((w) => [w.id, { home: w.home, acks: w.acks }]));
    const stale = samples.flatMap((s) => staleIn(s, acks));
    report(samples, stale);
    expect(samples.every((s) => s.status === 200)).to.equal(true);
    expectFresh(stale, BOUND_MS);
  });
});

type AckLog = Map<string, { home: number; acks: Ack[] }>;

/** The stale projects a sample saw: each older than a write acknowledged before it began. */
function staleIn(sample: Sample, log: AckLog): Stale[] {
  if (sample.path === '/projects/stats') return staleStats(sample, log);
  const seen: { id: string; version: number }[] = sample.path.startsWith('/projects?')
    ? sample.body.items
    : [sample.body];
  return seen.flatMap(({ id, version }) => {
    const entry = log.get(id);
    // The first acknowledged write the read should have seen but did not.
    const missed = entry?.acks.find((a) => a.version > version && a.at < sample.startedAt);
    if (!entry || !missed) return [];
    return [
      { app: sample.app, home: sample.app === entry.home, ageMs: sample.startedAt - missed.at },
    ];
  });
}

/** Budgets only grow here, so stats are stale when their total is below what was acknowledged. */
function staleStats(sample: Sample, log: AckLog): Stale[] {
  const total = sample.body.budget.total as number;
  const ackedBy = (t: number) =>
    [...log.values()].reduce(
      (sum, { acks }) => sum + (acks.findLast((a) => a.at < t)?.budget ?? 1),
      0,
    );
  if (total >= ackedBy(sample.startedAt)) return [];
  const times = [...log.values()]
    .flatMap(({ acks }) => acks.map((a) => a.at))
    .sort((a, b) => a - b);
  const missedAt = times.find((t) => ackedBy(t + 0.001) > total) ?? sample.startedAt;
  return [{ app: sample.app, home: false, ageMs: sample.startedAt - missedAt }];
}

function report(samples: Sample[], stale: Stale[]): void {
  const ages = stale.map((s) => s.ageMs);
  const max = ages.length ? Math.max(...ages).toFixed(1) : '-';
  console.log(
    `      consistency: ${samples.length} reads, ${stale.length} stale (on the writing replica: ` +
      `${stale.filter((s) => s.home).length}); stale ages ms: max ${max}, all [${ages.map((a) => a.toFixed(1)).join(', ')}]`,
  );
}
