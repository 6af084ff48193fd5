import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { balancerConfig } from '../e2e/support/haproxy.js';

describe('the shipped balancer configuration (stack/balancer/haproxy.cfg)', () => {
  it('is what the PROXY-protocol test runs: only the listeners and node addresses differ, and HAProxy accepts it', () => {
    const text = balancerConfig('10.9.0.2', ['10.9.0.1'], { http: '8080', https: '8443' });
    expect(text).to.match(/^ {2}bind 10\.9\.0\.2:80$/m);
    expect(text).to.match(/^ {2}bind 10\.9\.0\.2:443$/m);
    expect(text).to.match(/^ {2}server node1 10\.9\.0\.1:8080$/m);
    expect(text).to.match(/^ {2}server node1 10\.9\.0\.1:8443 port 8080$/m);
    expect(text.match(/^ {2}server /gm)).to.have.length(2);
    expect(text).to.include('send-proxy-v2');
    expect(text).to.include('option redispatch');
    // HAProxy will not start when it may not open about twice maxconn descriptors.
    const maxconn = Number(/^ {2}maxconn (\d+)$/m.exec(text)?.[1]);
    const hardLimit = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    if (hardLimit !== 'unlimited') expect(2 * maxconn + 100).to.be.below(Number(hardLimit));
    const dir = mkdtempSync(join(tmpdir(), 'groundwork-haproxy-check-'));
    try {
      writeFileSync(join(dir, 'haproxy.cfg'), text);
      execFileSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { stdio: 'pipe' });
      execFileSync('haproxy', ['-c', '-f', 'stack/balancer/haproxy.cfg'], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
