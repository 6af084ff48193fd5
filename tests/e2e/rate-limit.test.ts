import { expect } from 'chai';
import { clientIps, count, expectEdge429, sendPaced } from './support/edge.js';
import type { PacedResult } from './support/netns-agent.js';
import { BRIDGE_IP, createHosts, type TestHost } from './support/netns.js';
import { waitUntil } from '../support/wait-until.js';
import { useSwarm } from './support/shared-swarm.js';

describe('e2e: nginx rate limit, 20 r/s per client address, through the host-mode port', () => {
  let greedy: TestHost, modest: TestHost, quiet: TestHost;
  const swarm = useSwarm({ timeoutMs: 300000 }, async () => {
    [greedy, modest, quiet] = (await createHosts(3)) as [TestHost, TestHost, TestHost];
  });
  // The host's address on the test bridge: a namespace reaches the published port
  // there, DNATed to nginx without masquerade (see support/netns.ts).
  const url = `http://${BRIDGE_IP}:${swarm.port}`;

  function send(host: TestHost, rps: number, durationMs: number): Promise<PacedResult> {
    return sendPaced(host, url, rps, durationMs);
  }

  it('when one address sends 40 r/s for 10 s, then 20 x 10 + burst 20 get through and the rest are 429 problems, while addresses at 10 and 5 r/s next to it get every request through', async function (this: Mocha.Context) {
    this.timeout(60000);
    const [fast, slow, slower] = await Promise.all([
      send(greedy, 40, 10000),
      send(modest, 10, 10000),
      send(quiet, 5, 10000),
    ]);
    const ok = count(fast.replies, 200);
    const limited = fast.replies.filter((r) => r.status === 429);
    console.log(
      `      ${greedy.ip} at 40 r/s x 10 s: ${ok} accepted, ${limited.length} rejected (429) of ${fast.replies.length}; ` +
        `${modest.ip} at 10 r/s: ${count(slow.replies, 200)}/${slow.replies.length} accepted; ` +
        `${quiet.ip} at 5 r/s: ${count(slower.replies, 200)}/${slower.replies.length} accepted; ` +
        `senders at most ${Math.max(fast.maxLateMs, slow.maxLateMs, slower.maxLateMs)} ms late`,
    );
    // 20 r/s for 10 s plus the burst of 20 (nginx/nginx.conf.template), within 5 %.
    const expected = 20 * 10 + 20;
    expect(ok).to.be.within(Math.floor(expected * 0.95), Math.ceil(expected * 1.05));
    expect(ok + limited.length, 'every request answered 200 or 429').to.equal(fast.replies.length);
    for (const reply of limited) expectEdge429(reply);
    expect(slow.replies.map((r) => r.status)).to.deep.equal(slow.replies.map(() => 200));
    expect(slower.replies.map((r) => r.status)).to.deep.equal(slower.replies.map(() => 200));
  });

  it("when three addresses each send 5 requests, then nginx's access log names each by its own address, 5 times", async function (this: Mocha.Context) {
    this.timeout(60000);
    // Addresses of their own, so the first test's requests cannot be counted here.
    const hosts = await createHosts(3);
    const since = new Date(Date.now() - 1000).toISOString();
    await Promise.all(hosts.map((host) => send(host, 5, 1000)));
    // nginx writes its access log to stdout; the engine may take a moment to show it.
    const seen = await waitUntil('five access-log lines per test address', 20000, async () => {
      const counts = await clientIps(swarm, since);
      return hosts.every((h) => (counts.get(h.ip) ?? 0) >= 5) ? counts : undefined;
    });
    console.log(
      `      clientIp in nginx's access log: ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    for (const host of hosts) expect(seen.get(host.ip), host.ip).to.equal(5);
  });
});
