import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { launchChromium } from './support/browser.js';
import { Client, pacedOutcomes, REFUSED_OR_RESET } from './support/client.js';
import { e2eUsers } from './support/checks.js';
import { sh } from '../support/commands.js';
import { PASSWORD } from '../support/sign-up.js';
import { waitUntil } from '../support/wait-until.js';
import { docker } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { fingerprint, handshake, spkiHash, TestCa, type Pair } from './support/tls.js';
import { stopwatch } from '../support/latency.js';

/** One HTTP/2 request on `session`: status, headers and the body as text. */
function h2get(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...headers });
    let text = '';
    let head: Record<string, unknown> = {};
    stream.setEncoding('utf8');
    stream.on('response', (h) => (head = h));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => {
      resolve({ status: Number(head[':status']), headers: head, text });
    });
    stream.on('error', reject);
    stream.setTimeout(20000, () => {
      stream.close();
    });
  });
}

describe('e2e swarm: HTTPS and HTTP/2 at the edge', () => {
  let ca: TestCa;
  let installed: Pair;
  const names = ['localhost', '127.0.0.1'];

  /** `make tls` as an operator runs it: exit status and output. */
  async function makeTls(pair: Pair, namesArg = names.join(' ')) {
    const args = ['tls', `CERT=${pair.cert}`, `KEY=${pair.key}`, `NAMES=${namesArg}`];
    try {
      return { ok: true, output: await sh('make', args) };
    } catch (err) {
      return { ok: false, output: (err as Error).message };
    }
  }

  /** The certificate nginx presents on the HTTPS port, as its fingerprint. */
  async function served(): Promise<string> {
    const socket = await handshake({
      host: '127.0.0.1',
      port: Number(swarm.httpsPort),
      ca: ca.pem,
      servername: 'localhost',
    });
    const seen = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
    socket.end();
    return seen;
  }

  const swarm = useSwarm({}, async () => {
    ca = new TestCa();
    installed = ca.issue(names);
    const result = await makeTls(installed);
    expect(result.output).to.match(/tls: nginx serves tls_cert_/);
  });
  after(() => {
    ca.remove();
  });

  it('when make tls is given a key of another certificate, an expired certificate, one for other names or no certificate at all, then it refuses, saying why, and nginx keeps its certificate', async function (this: Mocha.Context) {
    this.timeout(60000);
    const spec = async () =>
      docker('service', 'inspect', '-f', '{{.Version.Index}}', swarm.service('nginx'));
    const before = await spec();
    const other = ca.issue(names);
    const expired = ca.issue(names, 0);
    const cases: [Pair, string, RegExp][] = [
      [{ ...installed, key: other.key }, names.join(' '), /is not the key of the certificate/],
      [expired, names.join(' '), /expires or expired/],
      [other, 'api.example.com', /does not cover api\.example\.com/],
      [{ ...other, cert: other.key }, names.join(' '), /is not a PEM certificate/],
    ];
    for (const [pair, namesArg, why] of cases) {
      const result = await makeTls(pair, namesArg);
      expect(result.ok, result.output).to.equal(false);
      expect(result.output)
        .to.match(why)
        .and.match(/nothing was changed/);
    }
    expect(await spec(), 'the nginx service spec is untouched').to.equal(before);
    expect(await served()).to.equal(fingerprint(installed.pem));
  });

  it('when a client speaks HTTP/2 over TLS, then it gets the contract: JSON reads, ETag and 304, problem+json errors, no HSTS by default', async function (this: Mocha.Context) {
    this.timeout(60000);
    const [user] = await e2eUsers(swarm);
    const client = new Client(swarm.httpsUrl, '127.0.0.1', ca.pem);
    const session = http2Connect(swarm.httpsUrl, { ca: ca.pem, servername: 'localhost' });
    try {
      const login = await client.call('/auth/login', {
        method: 'POST',
        json: { username: user!.username, password: PASSWORD },
      });
      expect(login.status).to.equal(200);
      const token = (login.body as { token: string }).token;
      const created = await client.call('/projects', {
        method: 'POST',
        token,
        json: { name: 'e2e https', budget: 10, status: 'planning' },
      });
      expect(created.status).to.equal(201);
      const id = (created.body as { id: string }).id;

      const first = await h2get(session, `/projects/${id}`);
      expect(session.alpnProtocol).to.equal('h2');
      expect(first.status).to.equal(200);
      expect(JSON.parse(first.text)).to.include({ id, name: 'e2e https' });
      const etag = String(first.headers.etag);
      const again = await h2get(session, `/projects/${id}`, { 'if-none-match': etag });
      expect(again.status).to.equal(304);
      expect(first.headers['strict-transport-security']).to.equal(undefined);
      const hidden = await h2get(session, '/metrics');
      expect(hidden.status).to.equal(404);
      expect(hidden.headers['content-type']).to.match(/^application\/problem\+json/);
      const version = await client.call('/version');
      expect(version.status, 'HTTP/1.1 over TLS too').to.equal(200);
      const large = await client.call('/projects', {
        method: 'POST',
        token,
        json: { name: 'x'.repeat(200000) },
      });
      expect(large.status).to.equal(413);
      expect(large.headers['content-type']).to.match(/^application\/problem\+json/);
    } finally {
      session.close();
      client.close();
    }
  });

  it('when a client offers TLS 1.0 or 1.1, or only weak ciphers, then the handshake fails; TLS 1.2 and 1.3 succeed, and a session is resumed', async function (this: Mocha.Context) {
    this.timeout(60000);
    const base = {
      host: '127.0.0.1',
      port: Number(swarm.httpsPort),
      ca: ca.pem,
      servername: 'localhost',
    };
    // SECLEVEL=0: Node's OpenSSL would refuse these itself before nginx could.
    const refused = [
      { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' },
      { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
      {
        maxVersion: 'TLSv1.2',
        ciphers:
          'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-SHA:DES-CBC3-SHA@SECLEVEL=0',
      },
    ] as const;
    for (const options of refused) {
      const outcome = await handshake({ ...base, ...options }).then(
        (socket) => {
          const got = `${socket.getProtocol()} ${socket.getCipher().name}`;
          socket.end();
          return got;
        },
        (err: unknown) => `refused: ${(err as Error).message}`,
      );
      expect(outcome, JSON.stringify(options)).to.match(/^refused/);
    }
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const socket = await handshake({ ...base, minVersion: version, maxVersion: version });
      expect(socket.getProtocol()).to.equal(version);
      socket.end();
    }
    // Resumption from nginx's shared session cache (tickets are off).
    const first = await handshake({ ...base, maxVersion: 'TLSv1.2' });
    const session = first.getSession();
    first.end();
    const second = await handshake({
      ...base,
      maxVersion: 'TLSv1.2',
      ...(session ? { session } : {}),
    });
    expect(second.isSessionReused()).to.equal(true);
    second.end();
  });

  it('when the certificate is replaced with make tls under 15 r/s over HTTPS, then no request gets a 5xx, only connections refused or reset while no nginx listens, and the new certificate is served', async function (this: Mocha.Context) {
    this.timeout(240000);
    const next = ca.issue(names);
    const client = new Client(swarm.httpsUrl, '127.0.0.1', ca.pem);
    let tookMs = 0;
    try {
      const [outcomes, result] = await Promise.all([
        pacedOutcomes(client, 15, 40000),
        (async () => {
          await new Promise((done) => setTimeout(done, 3000));
          const t0 = stopwatch();
          const made = await makeTls(next);
          tookMs = t0.ms();
          return made;
        })(),
      ]);
      expect(result.ok, result.output).to.equal(true);
      const failed = outcomes.filter((o) => o.status !== 200);
      console.log(
        `      make tls under load: ${(tookMs / 1000).toFixed(1)} s; ${outcomes.length} requests, ${failed.length} failed ` +
          `(${[...new Set(failed.map((o) => o.error ?? o.status))].join(', ')})`,
      );
      for (const o of failed) expect(o.error, JSON.stringify(o)).to.match(REFUSED_OR_RESET);
      expect(outcomes.at(-1)!.status, 'serving again at the end').to.equal(200);
      expect(await served()).to.equal(fingerprint(next.pem));
      installed = next;
    } finally {
      client.close();
    }
  });

  it('when testssl.sh examines the HTTPS port, trusting the test CA, then it reports no finding rated HIGH or CRITICAL', async function (this: Mocha.Context) {
    this.timeout(900000);
    const out = join(ca.dir, 'testssl.json');
    rmSync(out, { force: true });
    // Debian's testssl.sh exits non-zero for findings too; the JSON is what we read.
    await sh('testssl', [
      '--quiet', '--color', '0', '--warnings', 'batch', '--add-ca', ca.cert,
      '--jsonfile', out, '--ip', '127.0.0.1', `localhost:${swarm.httpsPort}`,
    ]).catch(() => undefined); // prettier-ignore
    const findings = JSON.parse(readFileSync(out, 'utf8')) as {
      id: string;
      severity: string;
      finding: string;
    }[];
    const bySeverity: Record<string, number> = {};
    for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const notable = findings.filter((f) => !['OK', 'INFO'].includes(f.severity));
    console.log(`      testssl.sh: ${JSON.stringify(bySeverity)}`);
    for (const f of notable) console.log(`        ${f.severity} ${f.id}: ${f.finding}`);
    expect(findings.length, 'testssl.sh ran its checks').to.be.above(50);
    expect(notable.filter((f) => ['HIGH', 'CRITICAL'].includes(f.severity))).to.deep.equal([]);
  });

  it('when a browser opens /docs over HTTPS, then the reference renders every operation with no console error', async function (this: Mocha.Context) {
    this.timeout(120000);
    const browser = await launchChromium(spkiHash(installed.pem));
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400) errors.push(`response: ${r.status()} ${r.url()}`);
      });
      page.on('requestfailed', (r) =>
        errors.push(`request: ${r.url()} ${r.failure()?.errorText ?? ''}`),
      );
      const reply = await page.goto(`https://localhost:${swarm.httpsPort}/docs`, {
        waitUntil: 'networkidle',
      });
      expect(reply?.status()).to.equal(200);
      await page.waitForSelector('.opblock', { timeout: 30000 });
      const operations = await page.locator('.opblock').count();
      mkdirSync('.local', { recursive: true });
      const shot = join('.local', 'docs-https.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`      /docs over HTTPS: ${operations} operations rendered; screenshot ${shot}`);
      expect(operations).to.be.above(5);
      expect(errors).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });

  it('when the operator turns on HTTPS-only mode, then plain HTTP answers a 308 problem naming the HTTPS URL, HTTPS carries HSTS, and turning it off serves HTTP again', async function (this: Mocha.Context) {
    this.timeout(600000);
    const plain = new Client(swarm.url, '127.0.0.1');
    const secure = new Client(swarm.httpsUrl, '127.0.0.1', ca.pem);
    const suffix = swarm.httpsPort === '443' ? '' : `:${swarm.httpsPort}`;
    try {
      await swarm.redeploy({ EDGE_HTTPS_ONLY: 'true' });
      const redirected = await waitUntil('plain HTTP redirects', 120000, async () => {
        const reply = await plain.call('/projects?limit=5');
        return reply.status === 308 ? reply : undefined;
      });
      expect(redirected.headers.location).to.equal(`https://127.0.0.1${suffix}/projects?limit=5`);
      expect(redirected.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(redirected.body).to.include({ status: 308, title: 'Permanent Redirect' });
      const post = await plain.call('/auth/login', { method: 'POST', json: {} });
      expect(post.status, 'a write is redirected too, keeping its method').to.equal(308);
      const viaTls = await secure.call('/version');
      expect(viaTls.status).to.equal(200);
      expect(viaTls.headers['strict-transport-security']).to.equal('max-age=63072000');
    } finally {
      await swarm.redeploy({ EDGE_HTTPS_ONLY: 'false' });
    }
    try {
      const served = await waitUntil('plain HTTP serves again', 120000, async () => {
        const reply = await plain.call('/version');
        return reply.status === 200 ? reply : undefined;
      });
      expect(served.headers.location).to.equal(undefined);
      expect((await secure.call('/version')).headers['strict-transport-security']).to.equal(
        undefined,
      );
    } finally {
      plain.close();
      secure.close();
    }
  });
});
