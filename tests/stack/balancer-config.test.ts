import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstDeployValue, readStack, seconds, service } from './stack-file.js';

/** stack/balancer/render.sh, as make cluster and the PROXY-protocol e2e test run it. */
function render(nodes: string[], env: Record<string, string>): string {
  return execFileSync('bash', ['stack/balancer/render.sh', ...nodes], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('the shipped balancer configuration (stack/balancer/haproxy.cfg)', () => {
  it('is what the PROXY-protocol test runs: only the listeners and node addresses differ, and HAProxy accepts it', () => {
    const text = render(['10.9.0.1'], {
      BALANCER_HTTP: '10.9.0.2:80',
      BALANCER_HTTPS: '10.9.0.2:443',
      NODE_HTTP_PORT: '8080',
      NODE_HTTPS_PORT: '8443',
    });
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

  it('with one listener per node for make cluster, each sending to its node only', () => {
    const text = render(['10.9.0.11', '10.9.0.12'], {
      BALANCER_HTTP: '127.0.0.1:18080',
      BALANCER_HTTPS: '127.0.0.1:18443',
      BALANCER_NODE_PORTS: '127.0.0.1:18081',
    });
    expect(text).to.match(
      /^listen node1\n {2}bind 127\.0\.0\.1:18081\n {2}server node1 10\.9\.0\.11:80 /m,
    );
    expect(text).to.match(
      /^listen node2\n {2}bind 127\.0\.0\.1:18082\n {2}server node2 10\.9\.0\.12:80 /m,
    );
    expect(text.match(/^ {2}server /gm)).to.have.length(6);
  });

  it('takes a stopping nginx out before it stops: its drain outlasts the health check that notices it', () => {
    const text = readFileSync('stack/balancer/haproxy.cfg', 'utf8');
    const check = /default-server .*\binter (\S+) fastinter (\S+) fall (\d+)/.exec(text);
    expect(check, 'inter, fastinter and fall on default-server').to.not.equal(null);
    expect(text).to.include('http-check send meth GET uri /.edge-ready');
    // The first failed check comes within one interval, the rest at fastinter.
    const notices = seconds(check![1]) + (Number(check![3]) - 1) * seconds(check![2]);
    const nginx = service(readStack(), 'nginx');
    const drain = firstDeployValue(nginx.environment?.EDGE_DRAIN_SECONDS);
    expect(drain).to.be.greaterThan(notices);
    // The drain and nginx's own graceful stop (upstream reads up to 15 s) fit the grace period.
    expect(seconds(nginx.stop_grace_period)).to.be.at.least(drain + 20);
    expect(readFileSync('nginx/nginx.conf.template', 'utf8')).to.include('location = /.edge-ready');
  });
});
