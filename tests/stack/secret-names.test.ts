import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './stack-file.js';

/** The secret names secrets/names.sh exports, run from a copy beside an optional names.env. */
function names(namesEnv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'names-'));
  try {
    copyFileSync(join(ROOT, 'secrets/names.sh'), join(dir, 'names.sh'));
    if (namesEnv !== undefined) writeFileSync(join(dir, 'names.env'), namesEnv);
    const script = `source ${join(dir, 'names.sh')} && echo $REDIS_PASSWORD_SECRET $MONGO_PASSWORD_SECRET`;
    return execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH } })
      .toString()
      .trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('secrets/names.sh', () => {
  it('when no rotation is recorded, then the stack uses the first names', () => {
    expect(names()).to.equal('redis_password mongo_password');
  });

  it('when a rotation is recorded in the untracked names.env, then that name wins and no tracked file changes', () => {
    expect(names('REDIS_PASSWORD_SECRET=redis_password_v2\n')).to.equal(
      'redis_password_v2 mongo_password',
    );
    const ignored = execFileSync('git', ['check-ignore', 'secrets/names.env'], { cwd: ROOT });
    expect(ignored.toString().trim()).to.equal('secrets/names.env');
  });
});
