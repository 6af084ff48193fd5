import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, clientIp, type Reply } from './support/client.js';
import { sharedTwin, type Twin } from './support/twin.js';

const NAMES = ['admin_password', 'mongo_password', 'redis_password'] as const;

describe('e2e: secrets in the twin', () => {
  let twin: Twin;
  let secrets: string[];
  before(async function (this: Mocha.Context) {
    this.timeout(180000);
    twin = await sharedTwin();
    secrets = NAMES.map((name) => twin.secret(name));
    for (const secret of secrets) expect(secret).to.have.length.above(30);
  });

  /** The first secret value found in `text`, by name, or undefined. */
  function leaked(text: string): string | undefined {
    return NAMES.find((_, i) => text.includes(secrets[i]!));
  }

  it('when a replica starts, then it gets every secret as a *_FILE path and none as a value', () => {
    expect(twin.replicas().size).to.equal(3);
    for (const pid of twin.replicas().values()) {
      const env = environ(pid);
      expect(env).to.include.members([
        `ADMIN_PASSWORD_FILE=${join(twin.stateDir, 'secrets/admin_password')}`,
        `REDIS_PASSWORD_FILE=${join(twin.stateDir, 'secrets/redis_password')}`,
      ]);
      expect(env.filter((v) => /^(ADMIN|REDIS|MONGO)_PASSWORD=/.test(v))).to.deep.equal([]);
    }
  });

  it('when the admin signs in with the password file, then it works: the app read the file', async () => {
    const client = new Client(twin.url, clientIp(5, 1));
    try {
      const login = await client.call('/auth/login', {
        method: 'POST',
        json: { username: 'admin', password: twin.secret('admin_password') },
      });
      expect(login.status).to.equal(200);
      expect(login.body.token).to.be.a('string');
      expect(leaked(login.text)).to.equal(undefined);
    } finally {
      client.close();
    }
  });

  it('when any process on this machine is inspected, then no secret is in its environment or command line', () => {
    // Every process, not only the twin's: replicas, nginx master and workers, Redis,
    // FerretDB, and the scripts that started them. The values are 256 random bits.
    let inspected = 0;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      for (const file of ['environ', 'cmdline']) {
        let text: string;
        try {
          text = readFileSync(`/proc/${pid}/${file}`, 'latin1');
        } catch {
          continue; // exited meanwhile
        }
        inspected += 1;
        expect(leaked(text), `/proc/${pid}/${file}`).to.equal(undefined);
      }
    }
    expect(inspected).to.be.above(10);
  });

  it('when the twin has served the other e2e tests, then no log file holds a secret', () => {
    const files = readdirSync(twin.logsDir());
    expect(files).to.include.members(['nginx-access.log', 'nginx-error.log', 'redis.log']);
    for (const file of files) {
      expect(leaked(readFileSync(join(twin.logsDir(), file), 'latin1')), file).to.equal(undefined);
    }
  });

  it('when a sample of routes is called, signed in as admin and not, then no body or header holds a secret', async () => {
    const client = new Client(twin.url, clientIp(5, 2));
    try {
      const login = await client.call('/auth/login', {
        method: 'POST',
        json: { username: 'admin', password: twin.secret('admin_password') },
      });
      const token = login.body.token as string;
      const replies: [string, Reply][] = [['/auth/login', login]];
      const sample = [
        '/version',
        '/projects',
        '/projects/stats',
        '/projects/000000000000000000000000',
        '/openapi.json',
        '/docs',
        '/metrics',
        '/readyz',
        '/no/such/route',
        '/auth/me',
      ];
      for (const path of sample) {
        replies.push([path, await client.call(path)]);
        replies.push([`${path} (admin)`, await client.call(path, { token })]);
      }
      replies.push([
        'POST /projects (invalid)',
        await client.call('/projects', { method: 'POST', token, json: { budget: -1 } }),
      ]);
      replies.push([
        'POST /auth/login (wrong password)',
        await client.call('/auth/login', {
          method: 'POST',
          json: { username: 'admin', password: 'not the password, but long' },
        }),
      ]);
      for (const [what, reply] of replies) {
        expect(leaked(reply.text + JSON.stringify(reply.headers)), what).to.equal(undefined);
      }
    } finally {
      client.close();
    }
  });
});

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}
