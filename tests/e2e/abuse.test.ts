import { expect } from 'chai';
import type { AgentJob, HoldResult, PacedResult } from './support/netns-agent.js';
import { BRIDGE_IP, createHosts, runAgent, type TestHost } from './support/netns.js';
import { sh } from '../support/commands.js';
import { docker, type Swarm } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';

const HELD = 2000;
/** nginx's client_header_timeout and its limit_conn on requests with a body (nginx/nginx.conf.template). */
const HEADER_TIMEOUT_MS = 10000;
const BODY_LIMIT = 10;

describe('e2e: nginx keeps serving while one address holds 2,000 idle or slow connections', () => {
  let attacker: TestHost, reader: TestHost;
  const swarm = useSwarm({ timeoutMs: 300000 }, async () => {
    [attacker, reader] = (await createHosts(2)) as [TestHost, TestHost];
  });
  const url = `http://${BRIDGE_IP}:${swarm.port}`;

  /**
   * The attacker holds HELD connections for 25 s; once they are open, the reader sends
   * GET /version at 5 r/s for 15 s. Resolves to both results and how many established
   * connections from the attacker nginx's network namespace had meanwhile.
   */
  async function underSiege(mode: Extract<AgentJob, { kind: 'hold' }>['mode']) {
    const hold = runAgent<HoldResult>(attacker, {
      kind: 'hold',
      url,
      ip: attacker.ip,
      mode,
      connections: HELD,
      durationMs: 25000,
    });
    await hold.until('holding', 60000);
    const reads = runAgent<PacedResult>(reader, {
      kind: 'paced',
      url,
      ip: reader.ip,
      path: '/version',
      rps: 5,
      durationMs: 15000,
      startAt: Date.now(),
    });
    const nginxHeld = await establishedFrom(swarm, attacker.ip);
    const [held, read] = await Promise.all([hold.result, reads.result]);
    const opened = hold.events.find((e) => e.event === 'holding')?.open;
    const lives = held.lifetimesMs;
    console.log(
      `      ${mode}: ${attacker.ip} opened ${String(opened)} at once (nginx's side: ${nginxHeld} established), ` +
        `${held.opened} in all over 25 s; nginx closed ${held.closedByServer} ` +
        `(${held.answered} after a response), lifetimes p50 ${pct(lives, 0.5)} ms, max ${pct(lives, 1)} ms; ` +
        `open at the end ${held.openAtEnd}, ${held.silentAtEnd} of them unanswered; ` +
        `${reader.ip}: ${statuses(read)} of ${read.replies.length} reads`,
    );
    expect(opened, 'connections the attacker held at once').to.equal(HELD);
    expect(read.replies.map((r) => r.status)).to.deep.equal(read.replies.map(() => 200));
    return held;
  }

  for (const [mode, title] of [
    [
      'idle',
      'when one address holds 2,000 connections that send nothing, then another address is served every time, and nginx drops each idle connection after client_header_timeout',
    ],
    [
      'slow-header',
      'when one address holds 2,000 connections that send a header a byte a second, then another address is served every time, and the trickle does not extend client_header_timeout',
    ],
  ] as const) {
    it(title, async function (this: Mocha.Context) {
      this.timeout(120000);
      const held = await underSiege(mode);
      expect(pct(held.lifetimesMs, 1)).to.be.within(
        HEADER_TIMEOUT_MS - 500,
        HEADER_TIMEOUT_MS + 3000,
      );
    });
  }

  it("when one address holds 2,000 connections that send a body a byte a second, then another address is served every time, and all but the rate limit's burst are refused at once", async function (this: Mocha.Context) {
    this.timeout(120000);
    const held = await underSiege('slow-body');
    // Opened within about a second: limit_req lets the burst (20) and that second's 20
    // through, and answers the rest 429 before their body is read.
    expect(held.silentAtEnd, 'requests still waiting for their body').to.be.at.most(60);
  });

  it('when one address opens slow-body requests at the rate limit, 20 a second for 20 s, then nginx keeps only its body limit_conn of them waiting and refuses the rest', async function (this: Mocha.Context) {
    this.timeout(120000);
    const hold = runAgent<HoldResult>(attacker, {
      kind: 'hold',
      url,
      ip: attacker.ip,
      mode: 'slow-body',
      connections: 400,
      openPerSecond: 20,
      durationMs: 3000,
    });
    const held = await hold.result;
    console.log(
      `      slow-body at 20/s: ${attacker.ip} opened ${held.opened}; ${held.silentAtEnd} still waiting for ` +
        `their body at the end, the others answered (429): ${held.openAtEnd - held.silentAtEnd} open, ` +
        `${held.answered} closed`,
    );
    // limit_req alone would let nearly all 400 through to wait for their body; a few
    // may still be refused by limit_req when the opener's pace jitters.
    const waiting = held.silentAtEnd;
    expect(waiting, 'requests waiting for their body').to.equal(BODY_LIMIT);
  });
});

/** Established TCP connections from `ip` to port 80 in nginx's own network namespace. */
async function establishedFrom(swarm: Swarm, ip: string): Promise<number> {
  const [container] = await swarm.containers('nginx');
  if (container === undefined) throw new Error('no running nginx container');
  const pid = (await docker('inspect', '-f', '{{.State.Pid}}', container)).trim();
  const filter = `( sport = :80 and dst ${ip} )`;
  const out = await sh('nsenter', ['-t', pid, '-n', 'ss', '-Htn', 'state', 'established', filter]);
  return out.split('\n').filter((line) => line.trim() !== '').length;
}

/** The `q` quantile of sorted numbers (q = 1: the largest); NaN when there are none. */
function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

function statuses(result: PacedResult): string {
  const counts = new Map<number, number>();
  for (const r of result.replies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} x ${status}`).join(', ');
}
