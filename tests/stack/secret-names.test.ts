import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './stack-file.js';

/** Sources a copy of secrets/names.sh beside a leftover names.env; its exit status and stderr. */
function sourceBesideNamesEnv(): { status: number; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'names-'));
  try {
    mkdirSync(join(dir, 'secrets'));
    copyFileSync(join(ROOT, 'secrets/names.sh'), join(dir, 'secrets/names.sh'));
    writeFileSync(join(dir, 'secrets/names.env'), 'REDIS_PASSWORD_SECRET=redis_password_v2\n');
    const script = `set -e; source ${join(dir, 'secrets/names.sh')}; echo sourced`;
    try {
      execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH }, stdio: 'pipe' });
      return { status: 0, stderr: '' };
    } catch (err) {
      const { status, stderr } = err as { status: number; stderr: Buffer };
      return { status, stderr: stderr.toString() };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Which names the swarm records is tested on the real Swarm (tests/e2e/operator-scripts.test.ts).
describe('secrets/names.sh', () => {
  it('when a names.env from before the swarm labels is left over, then it stops, pointing at the README, before any docker call', () => {
    const { status, stderr } = sourceBesideNamesEnv();
    expect(status).to.equal(1);
    expect(stderr)
      .to.include('secrets/names.env is no longer read')
      .and.include('secrets/README.md');
  });
});
