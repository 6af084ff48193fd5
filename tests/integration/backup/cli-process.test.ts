import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { freePort, waitForPort } from '../../support/ports.js';
import { backupEnv, filesIn, useBackupDir } from './support.js';

const CLI = resolve(import.meta.dirname, '../../../app/backup/cli.ts');

/** cli.ts as its own process, the way the image runs it (here through tsx). */
function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  return { child, exited, stdout: () => stdout };
}

describe('backup: the command line as a process', () => {
  const backupDir = useBackupDir();

  it('when run succeeds, then stdout is one line and the exit code 0', async () => {
    const run = start(['run'], backupEnv(backupDir()));
    expect(await run.exited).to.equal(0);
    expect(run.stdout()).to.match(/^backup: groundwork-\S+\.tar\.gz \d+ bytes, .* in \d+ ms\n$/);
  });

  it('when MongoDB cannot be reached, then run logs one JSON error without the password, exits 1 and leaves no file', async () => {
    const before = filesIn(backupDir());
    const port = await freePort();
    const run = start(
      ['run'],
      backupEnv(backupDir(), {
        MONGO_URL: `mongodb://backup@127.0.0.1:${port}/groundwork`,
        MONGO_PASSWORD: 'hunter2-secret',
        MONGO_TIMEOUT_MS: '300',
      }),
    );
    expect(await run.exited).to.equal(1);
    const lines = run.stdout().trim().split('\n');
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.include({ level: 'error', message: 'backup run failed' });
    expect(run.stdout()).not.to.include('hunter2');
    expect(filesIn(backupDir())).to.deep.equal(before);
  });

  it('when schedule gets SIGTERM, then it stops cleanly with exit 0', async () => {
    const port = await freePort();
    const schedule = start(
      ['schedule'],
      backupEnv(backupDir(), { BACKUP_METRICS_PORT: String(port), LOG_LEVEL: 'info' }),
    );
    await waitForPort(port, 15000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/^groundwork_backup_interval_seconds 3600$/m);
    schedule.child.kill('SIGTERM');
    expect(await schedule.exited).to.equal(0);
    expect(messages(schedule.stdout())).to.include('backup scheduler stopped');
    expect(filesIn(backupDir()).filter((name) => name.startsWith('.tmp-'))).to.deep.equal([]);
  });
});

function messages(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { message: string }).message);
}
