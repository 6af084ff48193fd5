import { expect } from 'chai';
import { clientIps, count, expectEdge429, logEntries, sendPaced } from './support/edge.js';
import { startBalancer } from './support/haproxy.js';
import type { RawResult } from './support/netns-agent.js';
import { BRIDGE_IP, createHosts, runAgent, type TestHost } from './support/netns.js';
import { waitUntil } from '../support/wait-until.js';
import { useSwarm } from './support/shared-swarm.js';

/** One raw request from `host`: the status line's code, or 0 if none came back. */
async function raw(host: TestHost, url: string, payload: string, tls = false): Promise<number> {
  const job = { kind: 'raw' as const, url, ip: host.ip, payload, tls };
  const { response } = await runAgent<RawResult>(host, job).result;
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

function get(requestId: string, extra = ''): string {
  return `GET /version HTTP/1.1\r\nHost: groundwork\r\nX-Request-ID: ${requestId}\r\n${extra}Connection: close\r\n\r\n`;
}

describe('e2e swarm: behind a layer-4 balancer (HAProxy, PROXY protocol)', () => {
  let balancer: TestHost;
  let clients: TestHost[];
  let edge: { stop(): void } | undefined;
  const run = Date.now().toString(36);

  const swarm = useSwarm({ timeoutMs: 600000 }, async () => {
    const hosts = await createHosts(5);
    balancer = hosts[0]!;
    clients = hosts.slice(1);
    // nginx believes PROXY headers from the balancer's address only.
    await swarm.redeploy({ EDGE_PROXY_FROM: balancer.ip });
    edge = await startBalancer(balancer, BRIDGE_IP, { http: swarm.port, https: swarm.httpsPort });
    await waitUntil('nginx takes the PROXY protocol from the balancer', 120000, async () => {
      const status = await raw(clients[0]!, `http://${balancer.ip}:80`, get(`ready-${run}`));
      return status === 200 ? true : undefined;
    });
  });

  after(async function (this: Mocha.Context) {
    this.timeout(600000);
    edge?.stop();
    // The rest of the suite talks to nginx directly again.
    await swarm.redeploy({ EDGE_PROXY_FROM: '' });
    await waitUntil('nginx serves plain clients again', 120000, async () => {
      const reply = await fetch(`${swarm.url}/version`).catch(() => undefined);
      return reply?.status === 200 ? true : undefined;
    });
  });

  it('when three clients behind the balancer send 40, 10 and 5 r/s, then each gets its own 20 r/s, and nginx and web log each one by its own address', async function (this: Mocha.Context) {
    this.timeout(120000);
    const since = new Date(Date.now() - 1000).toISOString();
    const url = `http://${balancer.ip}:80`;
    const [greedy, modest, quiet] = clients as [TestHost, TestHost, TestHost];
    const [fast, slow, slower] = await Promise.all([
      sendPaced(greedy, url, 40, 10000),
      sendPaced(modest, url, 10, 10000),
      sendPaced(quiet, url, 5, 10000),
    ]);
    const ok = count(fast.replies, 200);
    console.log(
      `      through HAProxy: ${greedy.ip} at 40 r/s: ${ok} accepted, ${count(fast.replies, 429)} rejected; ` +
        `${modest.ip} at 10 r/s: ${count(slow.replies, 200)}/${slow.replies.length}; ` +
        `${quiet.ip} at 5 r/s: ${count(slower.replies, 200)}/${slower.replies.length}`,
    );
    expect(ok).to.be.within(Math.floor(220 * 0.95), Math.ceil(220 * 1.05));
    for (const reply of fast.replies.filter((r) => r.status !== 200)) expectEdge429(reply);
    expect(count(slow.replies, 200)).to.equal(slow.replies.length);
    expect(count(slower.replies, 200)).to.equal(slower.replies.length);

    const seen = await waitUntil('each client in nginx and web logs', 30000, async () => {
      const edge = await clientIps(swarm, since);
      const web = new Map<string, number>();
      for (const entry of await logEntries(swarm, 'web', 'request', since)) {
        const ip = String(entry.clientIp);
        web.set(ip, (web.get(ip) ?? 0) + 1);
      }
      const all = [greedy, modest, quiet].every(
        (h) => (edge.get(h.ip) ?? 0) > 0 && (web.get(h.ip) ?? 0) > 0,
      );
      return all ? { edge, web } : undefined;
    });
    console.log(
      `      nginx clientIp: ${JSON.stringify(Object.fromEntries(seen.edge))}; web clientIp: ${JSON.stringify(Object.fromEntries(seen.web))}`,
    );
    expect(seen.edge.get(modest.ip)).to.equal(slow.replies.length);
    expect(seen.edge.get(quiet.ip)).to.equal(slower.replies.length);
    expect(seen.edge.has(balancer.ip), 'the balancer itself is never the client').to.equal(false);
    expect(seen.web.has(balancer.ip)).to.equal(false);
  });

  it("when a client sends its own PROXY header or X-Forwarded-For, straight to nginx or through the balancer, over HTTP or HTTPS, then nginx and web still see the client's own address", async function (this: Mocha.Context) {
    this.timeout(120000);
    const host = clients[3]!;
    const since = new Date(Date.now() - 1000).toISOString();
    const spoof = (n: number) => `203.0.113.${n}`;
    const direct = `http://${BRIDGE_IP}:${swarm.port}`;
    const viaBalancer = `http://${balancer.ip}:80`;
    const ids = {
      directProxy: `spoof-direct-proxy-${run}`,
      forwarded: `spoof-xff-${run}`,
      forwardedTls: `spoof-xff-tls-${run}`,
    };
    const header = (n: number, port: string) =>
      `PROXY TCP4 ${spoof(n)} ${BRIDGE_IP} 40000 ${port}\r\n`;
    // Straight to nginx with a forged PROXY header: nginx takes the header (the port
    // expects one) but not its address, since the sender is not the balancer.
    expect(await raw(host, direct, header(1, swarm.port) + get(ids.directProxy))).to.equal(200);
    // Through the balancer: its own header comes first, so a client's is only bytes of
    // a malformed request (400), and X-Forwarded-For is never read.
    expect(await raw(host, viaBalancer, header(2, '80') + get(`spoof-nested-${run}`))).to.equal(
      400,
    );
    const xff = `X-Forwarded-For: ${spoof(3)}\r\nX-Real-IP: ${spoof(3)}\r\n`;
    expect(await raw(host, viaBalancer, get(ids.forwarded, xff))).to.equal(200);
    expect(
      await raw(host, `https://${balancer.ip}:443`, get(ids.forwardedTls, xff), true),
    ).to.equal(200);

    const byId = await waitUntil('the spoofing requests in nginx and web logs', 30000, async () => {
      const edge = await logEntries(swarm, 'nginx', 'edge request', since);
      const web = await logEntries(swarm, 'web', 'request', since);
      const find = (entries: Record<string, unknown>[], id: string) =>
        entries.find((e) => e.requestId === id)?.clientIp;
      const wanted = [ids.directProxy, ids.forwarded, ids.forwardedTls];
      const seen = wanted.map((id) => [id, find(edge, id), find(web, id)] as const);
      const logged = [...edge, ...web].map((e) => String(e.clientIp));
      return seen.every(([, a, b]) => a !== undefined && b !== undefined)
        ? { seen, logged }
        : undefined;
    });
    console.log(`      spoofing attempts logged as: ${JSON.stringify(byId.seen)}`);
    for (const [id, edgeIp, webIp] of byId.seen) {
      expect(edgeIp, `nginx, ${id}`).to.equal(host.ip);
      expect(webIp, `web, ${id}`).to.equal(host.ip);
    }
    expect(byId.logged.filter((ip) => ip.startsWith('203.0.113.'))).to.deep.equal([]);
  });
});
