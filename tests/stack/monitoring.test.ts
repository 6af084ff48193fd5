import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, readStack, SCRAPE_JOBS, service } from './stack-file.js';

interface Rule {
  alert?: string;
  record?: string;
  for?: string;
  annotations?: Record<string, string>;
}
interface ScrapeConfig {
  job_name: string;
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  static_configs?: { targets: string[] }[];
  file_sd_configs?: { files: string[] }[];
}

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const rules = (parse(read('stack/monitoring/rules.yml')) as { groups: { rules: Rule[] }[] }).groups
  .flatMap((g) => g.rules)
  .filter((r) => r.alert !== undefined);

/** GitHub's anchor of every heading in stack/README.md. */
function anchors(): Set<string> {
  const headings = read('stack/README.md').match(/^#+ .*$/gm) ?? [];
  const slug = (h: string) =>
    h
      .replace(/^#+ /, '')
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-');
  return new Set(headings.map(slug));
}

describe('monitoring (stack/monitoring)', () => {
  it('gives every alert a for:, a summary and a runbook line that is a section of stack/README.md', () => {
    expect(rules.length).to.be.at.least(15);
    const sections = anchors();
    for (const rule of rules) {
      expect(rule.for, rule.alert).to.match(/^\d+[smh]$/);
      expect(rule.annotations?.summary, rule.alert).to.be.a('string').that.is.not.empty;
      const runbook = rule.annotations?.runbook ?? '';
      expect(runbook, rule.alert).to.match(/^stack\/README\.md#/);
      expect(sections.has(runbook.split('#')[1]!), `${rule.alert}: ${runbook}`).to.equal(true);
    }
  });

  it('finds every web replica by DNS (tasks.web, A records, port 3000) and scrapes nginx, nodes, the backup scheduler, itself and Alertmanager', () => {
    const config = parse(read('stack/monitoring/prometheus.yml')) as {
      scrape_configs: ScrapeConfig[];
    };
    const jobs = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, c]));
    expect(Object.keys(jobs).sort()).to.deep.equal(SCRAPE_JOBS);
    expect(jobs.web?.dns_sd_configs).to.deep.include({
      names: ['tasks.web'],
      type: 'A',
      port: 3000,
      refresh_interval: '5s',
    });
  });

  it('runs Prometheus on the monitoring and ops networks and Alertmanager on ops only, with digest-named configs and volumes', () => {
    const stack = readStack();
    expect(service(stack, 'prometheus').networks).to.deep.equal(['monitoring', 'ops']);
    expect(service(stack, 'alertmanager').networks).to.deep.equal(['ops']);
    for (const name of ['prometheus', 'alertmanager'])
      expect(service(stack, name).ports ?? [], name).to.be.empty;
    const configs = (
      parse(read('docker-stack.yml')) as { configs: Record<string, { name: string }> }
    ).configs;
    expect(configs.prometheus_conf?.name).to.equal(
      'groundwork_prometheus_${PROMETHEUS_CONF_DIGEST:-initial}',
    );
    expect(configs.alertmanager_conf?.name).to.equal(
      'groundwork_alertmanager_${ALERTMANAGER_CONF_DIGEST:-initial}',
    );
    expect(stack.volumes).to.include.keys('prometheus_data', 'alertmanager_data');
  });

  it('says in each alert section what users feel while it fires', () => {
    const sections = read('stack/README.md')
      .split(/^### Alert: /m)
      .slice(1);
    expect(sections.length).to.be.at.least(rules.length - 1);
    for (const section of sections) {
      expect(section, section.split('\n')[0]).to.match(/^\*\*Users:\*\* \S/m);
    }
  });

  it('mutes exactly the alerts the runbook says MongoUnreachable mutes, and each exists', () => {
    const config = parse(read('stack/monitoring/alertmanager.yml')) as {
      inhibit_rules: { source_matchers: string[]; target_matchers: string[] }[];
    };
    expect(config.inhibit_rules).to.have.length(1);
    const [rule] = config.inhibit_rules;
    expect(rule!.source_matchers).to.deep.equal(['alertname = MongoUnreachable']);
    const muted = /^alertname =~ "(.+)"$/.exec(rule!.target_matchers[0]!)![1]!.split('|');
    const sentence = /While `MongoUnreachable` fires, Alertmanager\s+mutes ([^.]+)\./.exec(
      read('stack/README.md'),
    )![1]!;
    const said = [...sentence.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
    expect(said.sort()).to.deep.equal([...muted].sort());
    const alerts = rules.map((r) => r.alert);
    for (const name of muted) expect(alerts, name).to.include(name);
    // An alert section that says it is muted names one of them.
    const sections = read('stack/README.md')
      .split(/^### Alert: /m)
      .slice(1);
    for (const section of sections.filter((text) => text.includes('mutes this'))) {
      expect(muted, section.split('\n')[0]).to.include(section.split('\n')[0]!.trim());
    }
  });

  it('renders production values unless told, and the knobs and webhook URL when told', () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitoring-'));
    const render = (env: Record<string, string>) => {
      execFileSync('bash', ['stack/monitoring/render.sh', dir], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      return (file: string) => readFileSync(join(dir, file), 'utf8');
    };
    try {
      let out = render({});
      expect(out('prometheus.yml')).to.equal(read('stack/monitoring/prometheus.yml'));
      expect(out('rules.yml')).to.equal(read('stack/monitoring/rules.yml'));
      expect(out('alertmanager.yml')).to.not.contain('webhook_configs');
      out = render({
        ALERT_WEBHOOK_URL: 'http://192.0.2.1:9/alerts',
        MONITOR_SCRAPE_INTERVAL: '2s',
        MONITOR_ALERT_FOR: '4s',
      });
      expect(out('prometheus.yml')).to.match(/^ {2}scrape_interval: 2s$/m);
      expect(
        out('rules.yml')
          .match(/^ +for: .*$/gm)
          ?.every((l) => l.endsWith('for: 4s')),
      ).to.equal(true);
      expect(out('alertmanager.yml')).to.contain('- url: "http://192.0.2.1:9/alerts"');
      expect(() => render({ MONITOR_ALERT_FOR: '4 s' })).to.throw();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
