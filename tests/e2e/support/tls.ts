import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** A certificate and its key as files (what `make tls` takes), and the PEM. */
export interface Pair {
  cert: string;
  key: string;
  pem: string;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * The tests' own certificate authority, in a private temporary directory: it signs
 * the leaf certificates the tests install with `make tls`, and the clients (Node,
 * testssl.sh, Chromium) trust it and nothing else.
 */
export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'groundwork-ca-'));
  readonly cert = join(this.dir, 'ca.pem');
  private readonly key = join(this.dir, 'ca.key');
  private issued = 0;

  constructor() {
    openssl(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-days', '30', '-subj', '/CN=groundwork test CA', '-keyout', this.key, '-out', this.cert,
      '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
  }

  get pem(): string {
    return readFileSync(this.cert, 'utf8');
  }

  /**
   * A server certificate for `names` (DNS names or IPs) valid for `days` (0: it ends
   * now), as a chain file holding the leaf then this CA, and its key.
   */
  issue(names: string[], days = 90): Pair {
    this.issued += 1;
    const base = join(this.dir, `leaf${this.issued}`);
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    // A CRL location, as a public CA's certificates carry (testssl.sh rates a
    // certificate without any revocation information HIGH); nobody fetches it here.
    const crl = 'crlDistributionPoints=URI:http://localhost/groundwork-test-ca.crl';
    writeFileSync(`${base}.ext`, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n${crl}\n`);
    openssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      `${base}.key`,
    );
    openssl(
      'req',
      '-new',
      '-key',
      `${base}.key`,
      '-subj',
      `/CN=${names[0] ?? 'localhost'}`,
      '-out',
      `${base}.csr`,
    );
    openssl(
      'x509', '-req', '-in', `${base}.csr`, '-CA', this.cert, '-CAkey', this.key,
      '-set_serial', String(Date.now() * 100 + this.issued), '-days', String(days),
      '-extfile', `${base}.ext`, '-out', `${base}.leaf.pem`,
    ); // prettier-ignore
    const pem = readFileSync(`${base}.leaf.pem`, 'utf8') + this.pem;
    writeFileSync(`${base}.pem`, pem);
    return { cert: `${base}.pem`, key: `${base}.key`, pem };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SHA-256 fingerprint of the first certificate in a PEM chain. */
export function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** base64 SHA-256 of a certificate's public key (Chromium's SPKI pin format). */
export function spkiHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** One TLS handshake; resolves with the socket (caller ends it) or rejects with why. */
export function handshake(options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(options, () => {
      resolve(socket);
    });
    socket.setTimeout(10000, () => socket.destroy(new Error('no handshake within 10 s')));
    socket.once('error', reject);
  });
}
