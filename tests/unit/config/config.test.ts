import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../app/config/config.js';
import { redactUrl } from '../../../app/config/connection-urls.js';
import { ConfigError } from '../../../app/config/secret-files.js';

const dir = mkdtempSync(join(tmpdir(), 'groundwork-config-'));
function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('config', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadConfig({});
    expect(config.PORT).to.equal(3000);
    expect(config.MONGO_URL).to.equal('mongodb://127.0.0.1:27017/groundwork');
    expect(config.REDIS_URL).to.equal('redis://127.0.0.1:6379');
    expect(config.LOG_LEVEL).to.equal('info');
    expect(config.ADMIN_PASSWORD).to.equal(undefined);
  });

  it('when a value is bad, then the error names the variable and not the value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /^PORT: /);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).to.throw(ConfigError, /^LOG_LEVEL: /);
    expect(() => loadConfig({ MONGO_URL: 'postgres://x' })).to.throw(ConfigError, /^MONGO_URL: /);
    expect(() => loadConfig({ DRAIN_DELAY_MS: '-1' })).to.throw(ConfigError, /^DRAIN_DELAY_MS: /);
    expect(() => loadConfig({ REDIS_URL: 'hunter2-not-a-url' })).to.throw(
      ConfigError,
      /^REDIS_URL: (?!.*hunter2)/,
    );
  });

  it('when a secret comes from NAME_FILE, then it is read without its trailing newline and joined to the URL', () => {
    const config = loadConfig({
      ADMIN_PASSWORD_FILE: secretFile('admin', 'correct horse battery\n'),
      REDIS_PASSWORD_FILE: secretFile('redis', 'r3dis/p@ss'),
      MONGO_URL: 'mongodb://app@db:27017/groundwork',
      MONGO_PASSWORD_FILE: secretFile('mongo', 'm0ngo:pw'),
    });
    expect(config.ADMIN_PASSWORD).to.equal('correct horse battery');
    expect(new URL(config.REDIS_URL).password).to.equal(encodeURIComponent('r3dis/p@ss'));
    expect(decodeURIComponent(new URL(config.MONGO_URL).password)).to.equal('m0ngo:pw');
    expect(new URL(config.MONGO_URL).username).to.equal('app');
  });

  it('when the cache Redis has its own password, then each URL gets its own; without one, the cache shares the state password', () => {
    const two = loadConfig({
      REDIS_URL: 'redis://groundwork@redis:6379',
      CACHE_REDIS_URL: 'redis://groundwork@cache:6379',
      REDIS_PASSWORD_FILE: secretFile('state', 'state-pw'),
      CACHE_REDIS_PASSWORD_FILE: secretFile('cache', 'cache-pw'),
    });
    expect(new URL(two.REDIS_URL)).to.include({ username: 'groundwork', password: 'state-pw' });
    expect(new URL(two.CACHE_REDIS_URL)).to.include({
      username: 'groundwork',
      password: 'cache-pw',
    });
    const one = loadConfig({ REDIS_PASSWORD: 'only-pw' });
    expect(new URL(one.CACHE_REDIS_URL).password).to.equal('only-pw');
  });

  it('when NAME_FILE cannot be read, then the error names NAME_FILE', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD_FILE: join(dir, 'missing') })).to.throw(
      ConfigError,
      /^ADMIN_PASSWORD_FILE: cannot read .*ENOENT/,
    );
  });

  it('when both NAME and NAME_FILE are set, then start-up is refused', () => {
    expect(() =>
      loadConfig({ ADMIN_PASSWORD: 'x', ADMIN_PASSWORD_FILE: secretFile('a2', 'y') }),
    ).to.throw(ConfigError, /^ADMIN_PASSWORD_FILE: set either/);
  });

  it('when a secret is read from a file, then process.env is left untouched', () => {
    loadConfig({ ADMIN_PASSWORD_FILE: secretFile('a3', 'file-only-secret') });
    expect(Object.values(process.env)).not.to.include('file-only-secret');
  });

  it('when a URL is logged, then its credentials are removed', () => {
    expect(redactUrl('redis://:s3cret@cache:6379')).not.to.contain('s3cret');
    expect(redactUrl('mongodb://app:s3cret@db:27017/groundwork')).to.equal(
      'mongodb://***@db:27017/groundwork',
    );
  });

  it('then the config object is frozen', () => {
    expect(Object.isFrozen(loadConfig({}))).to.equal(true);
  });
});
