import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../app/config/config.js';
import * as limits from '../../app/rate-limit/limiters.js';
import * as login from '../../app/rate-limit/login-limiter.js';
import { firstDeployValue, readStack, ROOT, seconds, service } from './stack-file.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const template = read('nginx/nginx.conf.template');
const render = read('nginx/render.sh');
const redisMaxmemory = (name: string) =>
  String(service(readStack(), name).environment?.REDIS_MAXMEMORY).replace(/mb$/, '');
const mongo = read('app/db/mongo.ts');
const web = service(readStack(), 'web');
const benchServers = [
  ...read('stack/bench/lineup.ts').matchAll(/^\s+(?:\{ key: '[^']+', )?label: /gm),
].length;
const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
];
const config = loadConfig({});

/** The first capture of `pattern` in `text`; fails naming what was looked for. */
function setting(text: string, pattern: RegExp): string {
  const value = pattern.exec(text)?.[1];
  if (value === undefined) throw new Error(`no ${String(pattern)} in the source of truth`);
  return value;
}

/** The upstream block's directives: the same names also appear for clients. */
const upstream = setting(template, /(upstream web \{[\s\S]*?\n {4}\})/);

/**
 * Each sentence of the docs that states a setting, and the setting's value where the
 * stack, the nginx template or the config sets it. A sentence that is reworded or
 * removed fails too (no match), so its claim is moved here rather than lost.
 */
const CLAIMS: { doc: string; says: RegExp; actual: string[] }[] = [
  {
    doc: 'README.md',
    says: /above nginx's upstream (\d+) s/g,
    actual: [setting(upstream, /keepalive_timeout (\d+)s;/)],
  },
  {
    doc: 'README.md',
    says: /limits each client IP to (\d+) requests\/s/g,
    actual: [setting(render, /^NGINX_RATE="(\d+)r\/s"/m)],
  },
  {
    doc: 'README.md',
    says: /nginx allows (\d+) r\/s per IP/g,
    actual: [setting(render, /^NGINX_RATE="(\d+)r\/s"/m)],
  },
  {
    doc: 'README.md',
    says: /writes \((\d+)\/min per user, (\d+)\/min per IP\)/g,
    actual: [String(limits.WRITES_PER_USER.points), String(limits.WRITES_PER_IP.points)],
  },
  {
    doc: 'README.md',
    says: /registration \((\d+)\/hour per IP\)/g,
    actual: [String(limits.REGISTRATIONS_PER_IP.points)],
  },
  {
    doc: 'app/auth/README.md',
    says: /(\d+) failures for one username from one address lock that pair for (\d+) minutes/g,
    actual: [
      String(login.LOGIN_FAILURES_PER_USERNAME_IP.points),
      String(login.LOGIN_LOCKOUT_SECONDS / 60),
    ],
  },
  {
    doc: 'app/auth/README.md',
    says: /per address, across names: (\d+) failures in (\d+) minutes/g,
    actual: [
      String(login.LOGIN_FAILURES_PER_IP.points),
      String(login.LOGIN_FAILURES_PER_IP.duration / 60),
    ],
  },
  {
    doc: 'app/cache/README.md',
    says: /a (\d+) ms command timeout and a breaker/g,
    actual: [String(config.CACHE_REDIS_TIMEOUT_MS)],
  },
  {
    doc: 'app/cache/README.md',
    says: /Every (\d+) ms each replica publishes a heartbeat/g,
    actual: [String(config.CACHE_HEARTBEAT_MS)],
  },
  {
    doc: 'stack/README.md',
    says: /\| `web` +\| the API, (\d+) replicas/g,
    actual: [String(firstDeployValue(web.deploy?.replicas))],
  },
  {
    doc: 'stack/README.md',
    says: /re-resolves `tasks\.web` every (\d+) s/g,
    actual: [setting(template, /resolver \S+ valid=(\d+)s/)],
  },
  {
    doc: 'stack/README.md',
    says: /its (\d+) s drain while nginx's (\d+) s DNS re-resolution/g,
    actual: [
      String(Number(web.environment?.DRAIN_DELAY_MS) / 1000),
      setting(template, /resolver \S+ valid=(\d+)s/),
    ],
  },
  {
    doc: 'stack/README.md',
    says: /waits (\d+) s, three times, and monitors each new task for (\d+) s/g,
    actual: [
      String(seconds(String(web.deploy?.update_config?.delay))),
      String(seconds(String(web.deploy?.update_config?.monitor))),
    ],
  },
  {
    doc: 'stack/README.md',
    says: /nginx sees new replicas within (\d+) s/g,
    actual: [setting(template, /resolver \S+ valid=(\d+)s/)],
  },
  {
    doc: 'stack/README.md',
    says: /Keep `N` × (\d+) MB within the\s+nodes' memory; every replica opens up to (\d+) MongoDB/g,
    actual: [
      String(web.deploy?.resources?.limits?.memory).replace(/M$/, ''),
      setting(mongo, /maxPoolSize: (\d+)/),
    ],
  },
  {
    doc: 'stack/README.md',
    says: /`maxmemory (\d+)mb noeviction`/g,
    actual: [redisMaxmemory('redis')],
  },
  {
    doc: 'stack/README.md',
    says: /`maxmemory (\d+)mb allkeys-lru`/g,
    actual: [redisMaxmemory('cache')],
  },
  {
    doc: 'stack/README.md',
    says: /a request exceeded (\d+) s \(nginx `proxy_read_timeout`\)/g,
    actual: [setting(template, /proxy_read_timeout (\d+)s;/)],
  },
  {
    doc: 'stack/README.md',
    says: /within the (\d+) s monitor/g,
    actual: [String(seconds(String(web.deploy?.update_config?.monitor)))],
  },
  {
    doc: 'stack/README.md',
    says: /a client above (\d+) r\/s \(nginx's limit\)/g,
    actual: [setting(render, /^NGINX_RATE="(\d+)r\/s"/m)],
  },
  {
    doc: 'stack/README.md',
    says: /\(20 × 10 \+ burst (\d+)\)/g,
    actual: [setting(render, /^NGINX_BURST="(\d+)"/m)],
  },
  {
    doc: 'stack/README.md',
    says: /closed after (\d+) s \(`client_header_timeout`\)/g,
    actual: [setting(template, /client_header_timeout (\d+)s;/)],
  },
  {
    doc: 'stack/README.md',
    says: /capped at (\d+) in flight per address \(`limit_conn per_ip_body`\)/g,
    actual: [setting(template, /limit_conn per_ip_body (\d+);/)],
  },
  {
    doc: 'README.md',
    says: /(\d+) requests in\s+flight per IP and (\d+) of them with a body/g,
    actual: [
      setting(template, /limit_conn per_ip_conn (\d+);/),
      setting(template, /limit_conn per_ip_body (\d+);/),
    ],
  },
  {
    doc: 'stack/MEASURED.md',
    says: /measures (\w+) servers side by side/g,
    actual: [NUMBER_WORDS[benchServers]!],
  },
  {
    doc: 'stack/bench.sh',
    says: /times the (\w+) servers of stack\/bench\/lineup\.ts/g,
    actual: [NUMBER_WORDS[benchServers]!],
  },
];

/** Every path to a Markdown file that a tracked file mentions (stack/README.md, ...). */
function mentionedDocs(): { file: string; path: string }[] {
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  return tracked
    .filter((file) => /\.(md|sh|ts|ya?ml|js|json|template)$|Dockerfile$|Makefile$/.test(file))
    .filter((file) => file !== 'package-lock.json' && existsSync(join(ROOT, file)))
    .flatMap((file) =>
      [...read(file).matchAll(/(?<![\w./-])((?:[\w-]+\/)+[\w-]+\.md)\b/g)].map((m) => ({
        file,
        path: m[1]!,
      })),
    );
}

describe('docs state the settings the stack, nginx and the config have', () => {
  for (const { doc, says, actual } of CLAIMS) {
    it(`${doc}: ${says.source}`, () => {
      const found = [...read(doc).matchAll(says)].map((match) => match.slice(1));
      expect(found, `no sentence of ${doc} says this any more`).not.to.deep.equal([]);
      for (const values of found) expect(values).to.deep.equal(actual);
    });
  }

  it('when a file points to a document, then the document exists', () => {
    const mentions = mentionedDocs();
    expect(mentions.length, 'mentions found').to.be.greaterThan(10);
    const missing = mentions
      .filter(({ path }) => !path.startsWith('.local/') && !existsSync(join(ROOT, path)))
      .map(({ file, path }) => `${file}: ${path}`);
    expect(missing).to.deep.equal([]);
  });
});
