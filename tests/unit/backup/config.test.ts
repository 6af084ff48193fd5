import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { BACKUP_CONFIG_VARIABLES, loadBackupConfig } from '../../../app/backup/config.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

describe('backup configuration', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadBackupConfig({});
    expect(config).to.include({
      BACKUP_DIR: '/backups',
      BACKUP_INTERVAL: 3600,
      BACKUP_KEEP: 48,
      BACKUP_METRICS_PORT: 9464,
      MONGO_URL: 'mongodb://127.0.0.1:27017/groundwork',
    });
  });

  it('when MONGO_PASSWORD_FILE is set, then its content is joined to MONGO_URL and never kept apart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'groundwork-secret-'));
    try {
      writeFileSync(join(dir, 'pw'), 's3cr:t/pw\n');
      const config = loadBackupConfig({
        MONGO_URL: 'mongodb://backup@db:27017/groundwork',
        MONGO_PASSWORD_FILE: join(dir, 'pw'),
      });
      expect(config.MONGO_URL).to.equal('mongodb://backup:s3cr%3At%2Fpw@db:27017/groundwork');
      expect(Object.keys(config)).not.to.include('MONGO_PASSWORD');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a value is bad, then the error names the variable and not the value', () => {
    expect(() => loadBackupConfig({ BACKUP_KEEP: '0' })).to.throw(
      /^BACKUP_KEEP: must be at least 1/,
    );
    expect(() => loadBackupConfig({ BACKUP_INTERVAL: 'hourly' })).to.throw(/^BACKUP_INTERVAL: /);
    expect(() => loadBackupConfig({ MONGO_URL: 'http://secret@x' })).to.throw(
      /^MONGO_URL: must be a mongodb/,
    );
  });

  it('when a variable is added to the backup config, then the README documents it with its default', () => {
    const config: Record<string, unknown> = loadBackupConfig({});
    const missing = BACKUP_CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
    for (const name of BACKUP_CONFIG_VARIABLES.filter((n) => n.startsWith('BACKUP_'))) {
      const row = new RegExp(`^\\| \`${name}\` +\\| \`?([^|\`]+?)\`? +\\|`, 'm').exec(readme);
      expect(row?.[1], `README row of ${name}`).to.equal(String(config[name]));
    }
  });
});
