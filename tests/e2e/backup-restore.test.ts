import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { e2eUsers } from './support/checks.js';
import { clientIp, useClient } from './support/client.js';
import { sh } from '../support/commands.js';
import { waitUntil } from '../support/wait-until.js';
import { docker, E2E_BACKUP_INTERVAL } from './support/swarm.js';
import { useSwarm } from './support/shared-swarm.js';
import { PASSWORD, type User } from '../support/sign-up.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** `make TARGET VAR=...` from the repository root, as an operator types it. */
function make(target: string, vars: Record<string, string> = {}): Promise<string> {
  const args = [
    '--no-print-directory',
    '-s',
    target,
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ];
  return sh('make', args);
}

/** The archive names `make backups` lists, oldest first. */
async function archives(): Promise<string[]> {
  return (await make('backups'))
    .split('\n')
    .filter((line) => line.startsWith('groundwork-'))
    .map((line) => line.split(' ')[0]!);
}

interface Snapshot {
  body: string;
  etag: string;
}

/**
 * The restore drill of a new operator on one node: projects and a user written, an
 * archive taken with `make backup`, MongoDB's volume destroyed, `make restore`.
 */
describe('e2e swarm: backups and restore (make backup, make backups, make restore)', () => {
  let user: User;
  const tag = `backup${process.pid}`;
  const saved = new Map<string, Snapshot>();
  let copied = '';

  const swarm = useSwarm({ converged: 'backup' }, async () => {
    user = (await e2eUsers(swarm))[0]!;
    for (let n = 0; n < 30; n += 1) {
      const json = {
        name: `${tag} ${n}`,
        budget: 1000 + n + 0.25,
        status: ['planning', 'in_progress', 'completed'][n % 3],
        ...(n % 2 === 0 ? { location: `site ${n}`, startDate: '2026-01-02' } : {}),
      };
      await sleep(60); // under nginx's 20 r/s per address
      const created = await client.call('/projects', { method: 'POST', token: user.token, json });
      expect(created.status, created.text).to.equal(201);
    }
  });
  const client = useClient(swarm.url, clientIp(41, 1));

  async function read(id: string): Promise<Snapshot & { status: number }> {
    // Paced under nginx's 20 r/s per address, so reads are never the limit's 429s.
    await sleep(60);
    const reply = await client.call(`/projects/${id}`);
    return { status: reply.status, body: reply.text, etag: String(reply.headers.etag) };
  }

  it('takes archives by itself every BACKUP_INTERVAL, kept across redeploys, and one on demand, copied to ./backups/ in mongodump’s layout and listed newest last', async function (this: Mocha.Context) {
    this.timeout(300000);
    const listed = await client.call(`/projects?q=${tag}&limit=100`);
    for (const { id } of (listed.body as { items: { id: string }[] }).items) {
      const snapshot = await read(id);
      expect(snapshot.status).to.equal(200);
      saved.set(id, snapshot);
    }
    expect(saved.size).to.equal(30);

    // The suite's stack was deployed with BACKUP_INTERVAL set; the redeploys of the tests
    // before this one (make up without it) kept it.
    const env = await docker(
      'service',
      'inspect',
      '-f',
      '{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}',
      swarm.service('backup'),
    );
    expect(env).to.include(`BACKUP_INTERVAL=${E2E_BACKUP_INTERVAL}`);
    const before = await archives();
    const scheduled = await waitUntil(
      'a scheduled archive newer than the last',
      150000,
      async () => {
        const now = await archives();
        return now.length > 0 && now.at(-1) !== before.at(-1) ? now.at(-1) : undefined;
      },
    );
    console.log(`      scheduled archive: ${scheduled}`);

    const out = await make('backup');
    console.log(`      ${out.trim().split('\n').join('\n      ')}`);
    const path = /copied to (\S+)/.exec(out)?.[1];
    expect(path, out).to.be.a('string');
    expect(existsSync(path!)).to.equal(true);
    const name = path!.split('/').pop()!;
    const members = execFileSync('tar', ['-tzf', path!], { encoding: 'utf8' }).split('\n');
    for (const member of [
      'manifest.json',
      'groundwork/projects.bson',
      'groundwork/projects.metadata.json',
      'groundwork/users.bson',
      'groundwork/users.metadata.json',
    ]) {
      expect(members, member).to.include(member);
    }
    expect((await archives()).at(-1)).to.equal(name);
    copied = `backups/${name}`;
  });

  it('when MongoDB’s volume is destroyed, then make restore brings every project back with its id, content and ETag, the user signs in with the old password, and writes work', async function (this: Mocha.Context) {
    this.timeout(600000);
    await docker('service', 'scale', '--detach=false', `${swarm.service('mongo')}=0`);
    // Stopped task containers keep the volume in use until Swarm prunes them.
    const label = `label=com.docker.swarm.service.name=${swarm.service('mongo')}`;
    const stopped = (await docker('ps', '-aq', '--filter', label)).split('\n').filter(Boolean);
    if (stopped.length > 0) await docker('rm', '-f', ...stopped);
    await docker('volume', 'rm', `${swarm.stack}_mongo_data`, `${swarm.stack}_mongo_config`);
    await docker('service', 'scale', '--detach=false', `${swarm.service('mongo')}=1`);
    await swarm.converged('mongo');
    await waitUntil('MongoDB answers again, empty', 120000, async () => {
      const reply = await client.call(`/projects?q=${tag}&limit=1`);
      return reply.status === 200 && (reply.body as { items: unknown[] }).items.length === 0
        ? true
        : undefined;
    });

    const out = await make('restore');
    console.log(`      ${out.trim().split('\n').join('\n      ')}`);
    expect(out).to.match(/restored groundwork-\S+\.tar\.gz/);
    for (const [id, snapshot] of saved) {
      const now = await waitUntil(`project ${id} back`, 30000, async () => {
        const reply = await read(id);
        return reply.status === 200 ? reply : undefined;
      });
      expect(now.body, id).to.equal(snapshot.body);
      expect(now.etag, id).to.equal(snapshot.etag);
    }
    const login = await client.call('/auth/login', {
      method: 'POST',
      json: { username: user.username, password: PASSWORD },
    });
    expect(login.status, login.text).to.equal(200);
    const token = (login.body as { token: string }).token;
    const created = await client.call('/projects', {
      method: 'POST',
      token,
      json: { name: `${tag} after the restore`, budget: 2, status: 'planning' },
    });
    expect(created.status, created.text).to.equal(201);
  });

  it('refuses a database that is not empty unless FORCE=1; a local archive restored by path takes every replica back to it, cache included', async function (this: Mocha.Context) {
    this.timeout(300000);
    // Changed and read (so cached on the replicas) after the archive was taken.
    const [id, snapshot] = [...saved][0]!;
    const patched = await client.call(`/projects/${id}`, {
      method: 'PATCH',
      token: user.token,
      json: { name: `${tag} renamed after the backup` },
    });
    expect(patched.status, patched.text).to.equal(200);
    for (let i = 0; i < 6; i += 1) expect((await read(id)).body).to.include('renamed');
    const extra = await client.call('/projects', {
      method: 'POST',
      token: user.token,
      json: { name: `${tag} written after the backup`, budget: 3, status: 'planning' },
    });
    expect(extra.status).to.equal(201);

    const error = await make('restore', { FILE: copied }).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    expect(error).to.match(/not empty/);
    expect((await read(id)).body, 'a refused restore changes nothing').to.include('renamed');

    expect(existsSync(resolve(ROOT, copied)), copied).to.equal(true);
    const out = await make('restore', { FILE: copied, FORCE: '1' });
    expect(out).to.match(/restored /);
    // Every read, on whichever replica nginx picks, is the archive's within seconds.
    await waitUntil('every replica serves the archive’s project', 30000, async () => {
      for (let i = 0; i < 6; i += 1) {
        const now = await read(id);
        if (now.body !== snapshot.body || now.etag !== snapshot.etag) return undefined;
      }
      return true;
    });
    expect((await read((extra.body as { id: string }).id)).status).to.equal(404);
  });
});
