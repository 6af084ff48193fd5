import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './stack-file.js';

const runtimeDir = mkdtempSync(join(tmpdir(), 'groundwork-nginx-'));
after(() => {
  rmSync(runtimeDir, { recursive: true, force: true });
});

function render(mode: 'stack' | 'check' | 'bench'): string {
  return execFileSync('bash', [join(ROOT, 'nginx/render.sh'), mode], {
    env: { ...process.env, NGINX_RUNTIME_DIR: runtimeDir },
    encoding: 'utf8',
  });
}

/** The directive lines only: comments and blank lines dropped. */
function directives(config: string): string[] {
  return config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('nginx config', () => {
  const stack = render('stack');
  const local = render('check');

  it('limits each client address to 20 requests/s and answers 429', () => {
    expect(stack).to.match(/limit_req_zone \$binary_remote_addr zone=per_ip:\d+m rate=20r\/s;/);
    expect(stack).to.include('limit_req_status 429;');
  });

  it('caps the requests one address has in flight, with a 429 like the rate limit', () => {
    expect(stack).to.match(/limit_conn_zone \$binary_remote_addr zone=per_ip_conn:\d+m;/);
    expect(stack).to.match(/limit_conn per_ip_conn \d+;/);
    expect(stack).to.include('limit_conn_status 429;');
  });

  it('caps the requests with a body one address has in flight, and counts no GET or HEAD there', () => {
    expect(stack).to.match(/limit_conn_zone \$edge_body_key zone=per_ip_body:\d+m;/);
    expect(stack).to.match(/limit_conn per_ip_body \d+;/);
    const key = /map \$request_method \$edge_body_key \{([^}]*)\}/.exec(stack)?.[1] ?? '';
    expect(key).to.match(/GET "";/);
    expect(key).to.match(/HEAD "";/);
    expect(key).to.match(/default \$binary_remote_addr;/);
  });

  it('states the burst with its reason next to it', () => {
    const burstLine = /\n(\s*limit_req zone=per_ip burst=(\d+) nodelay;)\n((?:\s*#.*\n)+)/.exec(
      stack,
    );
    expect(burstLine, 'limit_req followed by its comment').to.not.equal(null);
    expect(burstLine?.[3]).to.include(`burst=${burstLine?.[2]} nodelay`);
  });

  it('sends its own errors as problem+json, with Retry-After on a 429', () => {
    for (const status of [404, 413, 429, 502, 503, 504]) {
      expect(stack).to.include(`error_page ${status} @e${status};`);
      const location = new RegExp(
        `location @e${status} \\{\\s*default_type application/problem\\+json;\\s*return ${status} '\\{"type":"about:blank","title":"[^"]+","status":${status},"detail":"[^"]+"\\}';`,
      );
      expect(stack).to.match(location);
    }
    expect(stack).to.match(/"429:" 1;/);
    expect(stack).to.include('add_header Retry-After $edge_retry_after always;');
  });

  it('serves /metrics, /healthz and /readyz to no one, in any case or with a trailing slash', () => {
    expect(stack).to.match(/location ~\* \^\/\(metrics\|healthz\|readyz\)\/\*\$ \{\s*return 404;/);
  });

  it('retries another replica only for requests nginx may safely repeat', () => {
    const retry = directives(stack).find((line) => line.startsWith('proxy_next_upstream '));
    expect(retry).to.equal('proxy_next_upstream error timeout http_502 http_504;');
    expect(directives(stack).join('\n')).to.not.include('non_idempotent');
  });

  it('gives up on a silent replica after 5 s for reads only, so a dead node costs a read a retry, not a 504', () => {
    expect(stack).to.match(/if \(\$request_method ~ \^\(GET\|HEAD\)\$\) \{\s*return 418;\s*\}/);
    expect(stack).to.match(/error_page 418 = @read;/);
    // Else a read's own 502/504 would skip the problem+json error pages.
    expect(stack).to.match(/recursive_error_pages on;/);
    expect(stack).to.match(
      /location @read \{\s*proxy_read_timeout 5s;\s*proxy_pass http:\/\/web;\s*\}/,
    );
    const timeouts = directives(stack).filter((line) => line.startsWith('proxy_read_timeout '));
    // Writes keep the 15 s the web service's stop_grace_period counts on; reads, tried
    // again after a 502 or 504 (@read_again), keep 5 s there too.
    expect(timeouts).to.deep.equal([
      'proxy_read_timeout 15s;',
      'proxy_read_timeout 5s;',
      'proxy_read_timeout 5s;',
    ]);
    expect(stack).to.match(/location @read_again \{\s*proxy_read_timeout 5s;/);
    expect(Number(/proxy_next_upstream_timeout (\d+)s;/.exec(stack)?.[1])).to.be.greaterThan(5);
  });

  it('passes the client address, the request id and keeps upstream connections alive', () => {
    expect(stack).to.include('proxy_set_header X-Real-IP $remote_addr;');
    // Set, not appended to: what a client sends as X-Forwarded-For never reaches the app.
    expect(stack).to.include('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(stack).to.include('proxy_set_header X-Request-ID $req_id;');
    expect(stack).to.match(/keepalive 32;\s*keepalive_timeout \d+s;/);
    expect(stack).to.include('proxy_set_header Connection "";');
  });

  it('hides its version, limits bodies and slow clients, logs JSON', () => {
    expect(stack).to.include('server_tokens off;');
    expect(stack).to.include('client_max_body_size 100k;');
    expect(stack).to.match(/client_header_timeout \d+s;/);
    expect(stack).to.match(/client_body_timeout \d+s;/);
    expect(stack).to.match(/log_format edge_json escape=json/);
    expect(stack).to.match(/gzip_types application\/json application\/problem\+json;/);
  });

  it('differs between stack and the static rendering only in upstreams, paths, listen, user, resolver, TLS files and the HTTP/2 syntax', () => {
    const onlyInStack = directives(stack).filter((line) => !local.includes(line));
    for (const line of onlyInStack) {
      expect(line).to.match(
        /^(user |pid |error_log |access_log |\w+_temp_path |resolver |server |listen |proxy_next_upstream_tries |ssl_certificate(_key)? |http2 on;)/,
      );
    }
  });

  it('lets a request try three replicas in the stack, and every listed one in a static rendering', () => {
    const tries = (config: string) => Number(/proxy_next_upstream_tries (\d+);/.exec(config)?.[1]);
    const servers = (config: string) =>
      directives(config).filter((l) => /^server \S+:\d+ /.test(l));
    expect(tries(stack)).to.equal(3);
    expect(tries(local)).to.equal(servers(local).length);
  });

  it('lifts the rate limit and its burst in the benchmark rendering and changes nothing else', () => {
    const bench = directives(render('bench'));
    const changed = bench.filter((line) => !directives(local).includes(line));
    expect(changed).to.deep.equal([
      'limit_req_zone $binary_remote_addr zone=per_ip:10m rate=100000r/s;',
      'limit_req zone=per_ip burst=100000 nodelay;',
    ]);
  });
});
