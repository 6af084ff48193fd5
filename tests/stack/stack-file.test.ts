import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstDeployValue, readStack, ROOT, seconds, service } from './stack-file.js';

const stack = readStack();
const web = service(stack, 'web');
const nginx = service(stack, 'nginx');
const env = web.environment ?? {};
const template = readFileSync(join(ROOT, 'nginx/nginx.conf.template'), 'utf8');

describe('docker-stack.yml', () => {
  describe('web rolling update', () => {
    it('runs 3 replicas on a first deploy and whatever count up.sh finds running after that', () => {
      expect(web.deploy?.replicas).to.equal('${WEB_REPLICAS:-3}');
      expect(firstDeployValue(web.deploy?.replicas)).to.equal(3);
    });

    it('replaces one replica at a time, starting the new one first', () => {
      expect(web.deploy?.update_config).to.include({ parallelism: 1, order: 'start-first' });
    });

    it('rolls back by itself when a new replica fails within the monitor window', () => {
      const update = web.deploy?.update_config ?? {};
      expect(update.failure_action).to.equal('rollback');
      expect(seconds(String(update.monitor))).to.be.at.least(10);
      expect(seconds(String(update.delay))).to.be.greaterThan(0);
      expect(web.deploy?.rollback_config).to.include({ parallelism: 1, order: 'start-first' });
    });

    it('restarts failed replicas without giving up', () => {
      expect(web.deploy?.restart_policy?.condition).to.equal('any');
      expect(web.deploy?.restart_policy).to.not.have.property('max_attempts');
    });
  });

  describe('web health and shutdown', () => {
    it('checks liveness (/healthz, so a MongoDB outage kills no replica) with node (no curl) after a start period', () => {
      const test = (web.healthcheck?.test ?? []).join(' ');
      expect(test)
        .to.match(/^CMD node /)
        .and.to.include('/healthz');
      expect(seconds(web.healthcheck?.start_period)).to.be.at.least(10);
    });

    it('gives a stopping replica longer than its drain delay plus the longest request', () => {
      const drain = Number(env.DRAIN_DELAY_MS) / 1000;
      const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(template)?.[1]);
      const grace = seconds(web.stop_grace_period);
      expect(readTimeout).to.be.greaterThan(0);
      expect(grace).to.be.greaterThan(drain + readTimeout);
      expect(grace).to.be.greaterThan(Number(env.SHUTDOWN_TIMEOUT_MS) / 1000);
    });

    // nginx must close every idle upstream connection itself, before the app's idle
    // timeout and before a stopping replica's drain ends (nginx/nginx.conf.template).
    it("keeps connections alive longer than nginx's upstream keepalive_timeout, which ends before a drain does", () => {
      const upstream = /upstream web \{[\s\S]*?\n {4}\}/.exec(template)?.[0] ?? '';
      const nginxKeepalive = Number(/keepalive_timeout (\d+)s;/.exec(upstream)?.[1]);
      expect(nginxKeepalive).to.be.greaterThan(0);
      expect(Number(env.KEEP_ALIVE_TIMEOUT_MS) / 1000).to.be.greaterThan(nginxKeepalive);
      expect(Number(env.DRAIN_DELAY_MS) / 1000).to.be.greaterThan(nginxKeepalive);
    });
  });

  describe('secrets', () => {
    it('are external Swarm secrets, never files or values in the repository', () => {
      for (const [name, secret] of Object.entries(stack.secrets)) {
        expect(secret, name).to.deep.include({ external: true });
        expect(secret, name).to.not.have.property('file');
      }
    });

    it('reach web as files named by *_FILE variables', () => {
      const mounted = new Map((web.secrets ?? []).map((s) => [s.source, s.target]));
      for (const name of [
        'mongo_password',
        'redis_password',
        'cache_redis_password',
        'admin_password',
        'device_key',
      ]) {
        expect(env[`${name.toUpperCase()}_FILE`]).to.equal(`/run/secrets/${mounted.get(name)}`);
      }
    });

    it('never appear as values in any environment', () => {
      for (const [serviceName, svc] of Object.entries(stack.services)) {
        for (const [key, value] of Object.entries(svc.environment ?? {})) {
          if (/PASSWORD|SECRET|TOKEN|KEY/.test(key)) expect(key, serviceName).to.match(/_FILE$/);
          expect(value, `${serviceName} ${key}`).to.not.match(/[0-9a-f]{32}/i);
        }
      }
      expect(new URL(env.MONGO_URL ?? '').password).to.equal('');
      expect(new URL(env.REDIS_URL ?? '').password).to.equal('');
      expect(new URL(env.CACHE_REDIS_URL ?? '').password).to.equal('');
    });

    it('give each Redis its own password without a command line that shows it', () => {
      for (const [name, secret] of [
        ['redis', 'redis_password'],
        ['cache', 'cache_redis_password'],
      ] as const) {
        const redis = service(stack, name);
        const commandLine = [...(redis.entrypoint ?? []), ...(redis.command ?? [])].join(' ');
        expect(commandLine, name).to.not.match(/requirepass|--pass|\$\(/);
        expect(
          redis.secrets?.map((s) => s.source),
          name,
        ).to.deep.equal([secret]);
        expect(redis.environment?.REDIS_SECRET_FILE, name).to.equal(`/run/secrets/${secret}`);
      }
    });
  });

  describe('networks and ports', () => {
    it('publish only nginx, in host mode on port 80, one task per node', () => {
      for (const [name, svc] of Object.entries(stack.services)) {
        if (name !== 'nginx') expect(svc.ports ?? [], name).to.be.empty;
      }
      // HTTP_PORT lets `make swarm` (SWARM_HTTP_PORT) pick another; 80 unless told.
      expect(nginx.ports).to.deep.equal([
        { target: 80, published: '${HTTP_PORT:-80}', protocol: 'tcp', mode: 'host' },
        { target: 443, published: '${HTTPS_PORT:-443}', protocol: 'tcp', mode: 'host' },
      ]);
      expect(nginx.deploy?.mode).to.equal('global');
    });

    it('keep MongoDB and both Redis servers on an internal backend network only', () => {
      expect(stack.networks.backend).to.include({ driver: 'overlay', internal: true });
      expect(service(stack, 'mongo').networks).to.deep.equal(['backend']);
      expect(service(stack, 'redis').networks).to.deep.equal(['backend']);
      expect(service(stack, 'cache').networks).to.deep.equal(['backend']);
      expect(web.networks).to.have.members(['frontend', 'backend', 'monitoring']);
      expect(nginx.networks).to.deep.equal(['edge', 'frontend']);
    });

    it('put nginx and web on an overlay of their own, internal and encrypted, and web on internal networks only', () => {
      expect(stack.networks.frontend).to.deep.include({
        driver: 'overlay',
        internal: true,
        driver_opts: { encrypted: 'true' },
      });
      for (const network of web.networks!) {
        expect(stack.networks[network], network).to.include({ internal: true });
      }
    });

    it('keep the monitoring plane closed to web: Alertmanager on no network web is on, Prometheus listening only on its docker_gwbridge address', () => {
      const shared = (name: string) =>
        (service(stack, name).networks ?? []).filter((n) => web.networks?.includes(n));
      expect(shared('alertmanager')).to.deep.equal([]);
      // Prometheus shares `monitoring` with web to scrape it, but does not listen there.
      expect(shared('prometheus')).to.deep.equal(['monitoring']);
      const prometheus = service(stack, 'prometheus');
      expect(prometheus.entrypoint).to.deep.equal([
        '/bin/sh',
        '/usr/local/bin/groundwork-prometheus.sh',
      ]);
      const script = readFileSync(join(ROOT, 'stack/swarm/prometheus-entrypoint.sh'), 'utf8');
      expect(script).to.match(/--web\.listen-address="\$address:9090"/);
      // Still scraped: every target service shares `monitoring` with Prometheus.
      for (const name of ['web', 'node-exporter', 'nginx-exporter'])
        expect(service(stack, name).networks, name).to.include('monitoring');
    });

    it("read every node's nginx: one exporter per node, through the stub_status socket in the node-local volume both mount", () => {
      const stack = readStack();
      const exporter = service(stack, 'nginx-exporter');
      expect(exporter.deploy?.mode).to.equal('global');
      expect(service(stack, 'nginx').deploy?.mode).to.equal('global');
      expect(exporter.networks).to.deep.equal(['monitoring']);
      const mount = (name: string) =>
        service(stack, name).volumes?.find(
          (v): v is { type: string; source: string; target: string } =>
            typeof v === 'object' && 'source' in v && v.source === 'nginx-status',
        );
      expect(mount('nginx')?.target).to.equal('/run/nginx-status');
      expect(mount('nginx-exporter')?.target).to.equal('/run/nginx-status');
      const rendered = readFileSync(join(ROOT, 'nginx/nginx.stack.conf'), 'utf8');
      expect(rendered).to.include('listen unix:/run/nginx-status/status.sock;');
      expect(exporter.command).to.include(
        '--nginx.scrape-uri=unix:/run/nginx-status/status.sock:/stub_status',
      );
    });

    it('let nginx re-resolve the web tasks through Docker DNS', () => {
      const rendered = readFileSync(join(ROOT, 'nginx/nginx.stack.conf'), 'utf8');
      expect(rendered).to.match(/resolver 127\.0\.0\.11 /);
      expect(rendered).to.match(/server tasks\.web:3000 [^;]*\bresolve;/);
    });
  });

  describe('resources and hardening', () => {
    it('limit CPU and memory of every service and reserve some for each', () => {
      for (const [name, svc] of Object.entries(stack.services)) {
        expect(svc.deploy?.resources?.limits, name).to.have.keys('cpus', 'memory');
        expect(svc.deploy?.resources?.reservations?.memory, name).to.be.a('string');
      }
    });

    it('run web with a read-only root filesystem and a tmpfs for /tmp', () => {
      expect(web.read_only).to.equal(true);
      expect(web.volumes).to.deep.include.members([
        { type: 'tmpfs', target: '/tmp', tmpfs: { size: 16777216 } },
      ]);
    });

    it('rotate every container log', () => {
      for (const [name, svc] of Object.entries(stack.services)) {
        expect(svc.logging?.options, name).to.have.keys('max-size', 'max-file');
      }
    });

    it('keep MongoDB on a named volume on a labelled node, its root password from a file', () => {
      const mongo = service(stack, 'mongo');
      expect(mongo.image).to.match(/^mongo:7/);
      expect(mongo.volumes).to.include('mongo_data:/data/db');
      expect(stack.volumes).to.have.property('mongo_data');
      expect(mongo.deploy?.placement?.constraints).to.include(
        'node.labels.groundwork.data == true',
      );
      expect(mongo.environment?.MONGO_INITDB_ROOT_PASSWORD_FILE).to.equal(
        '/run/secrets/mongo_root_password',
      );
    });

    it('back up with the app image to a volume of their own on the backup node, reaching only MongoDB and Prometheus', () => {
      const backup = service(stack, 'backup');
      expect(backup.image).to.equal(web.image);
      expect(backup.command).to.deep.equal(['node', 'dist/app/backup/cli.js', 'schedule']);
      expect(backup.volumes).to.include('backups:/backups');
      expect(stack.volumes).to.have.property('backups');
      expect(backup.deploy?.placement?.constraints).to.deep.equal([
        'node.labels.groundwork.backup == true',
      ]);
      expect(backup.deploy?.replicas).to.equal(1);
      expect(backup.networks).to.deep.equal(['backend', 'monitoring']);
      expect(backup.read_only).to.equal(true);
      expect(backup.secrets?.map((s) => s.source)).to.deep.equal(['mongo_password']);
      expect(backup.environment?.MONGO_PASSWORD_FILE).to.equal('/run/secrets/mongo_password');
      expect(firstDeployValue(backup.environment?.BACKUP_INTERVAL)).to.equal(3600);
      expect(firstDeployValue(backup.environment?.BACKUP_KEEP)).to.equal(48);
    });
  });
});
