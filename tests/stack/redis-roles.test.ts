import { expect } from 'chai';
import { readStack, service } from './stack-file.js';

const stack = readStack();
const web = service(stack, 'web');
const state = service(stack, 'redis');
const cache = service(stack, 'cache');

/** "256mb" or "512M" in bytes. */
function bytes(size: string | undefined): number {
  const match = /^(\d+)(mb|m)$/i.exec(size ?? '');
  if (!match) throw new Error(`not a size in MB: ${size}`);
  return Number(match[1]) * 1024 * 1024;
}

describe('docker-stack.yml: state and cache in two Redis services', () => {
  it('points web’s sessions and limiters at redis and its read cache at cache', () => {
    expect(web.environment?.REDIS_URL).to.equal('redis://groundwork@redis:6379');
    expect(web.environment?.CACHE_REDIS_URL).to.equal('redis://groundwork@cache:6379');
  });

  it('never evicts state, and persists it with AOF every second', () => {
    expect(state.environment).to.include({
      REDIS_MAXMEMORY_POLICY: 'noeviction',
      REDIS_APPENDONLY: 'yes',
    });
    expect(state.volumes).to.include('redis_data:/data');
  });

  it('caps the cache with LRU eviction and keeps nothing on disk', () => {
    expect(cache.environment).to.include({
      REDIS_MAXMEMORY_POLICY: 'allkeys-lru',
      REDIS_APPENDONLY: 'no',
    });
    expect(cache.volumes?.filter((v) => typeof v === 'string')).to.deep.equal([]);
  });

  it('keeps each maxmemory under its memory limit: half of it for the state Redis, whose AOF rewrite forks', () => {
    const limit = (svc: typeof state) => bytes(svc.deploy?.resources?.limits?.memory);
    expect(bytes(state.environment?.REDIS_MAXMEMORY)).to.be.at.most(limit(state) / 2);
    expect(bytes(cache.environment?.REDIS_MAXMEMORY)).to.be.below(limit(cache));
  });

  it('runs both the same way: image, entrypoint, backend network, dnsrr, healthcheck, restarts', () => {
    for (const key of ['image', 'entrypoint', 'user', 'networks', 'healthcheck'] as const)
      expect(cache[key], key).to.deep.equal(state[key]);
    expect(cache.deploy?.endpoint_mode).to.equal('dnsrr');
    expect(cache.deploy?.restart_policy?.condition).to.equal('any');
    expect(cache.read_only).to.equal(true);
  });

  it('gives each its own role (the ACL user’s commands) and password, and web both passwords', () => {
    expect(state.environment?.REDIS_ROLE).to.equal('state');
    expect(cache.environment?.REDIS_ROLE).to.equal('cache');
    expect(state.secrets?.map((s) => s.source)).to.deep.equal(['redis_password']);
    expect(cache.secrets?.map((s) => s.source)).to.deep.equal(['cache_redis_password']);
    expect(web.secrets?.map((s) => s.source)).to.include.members([
      'redis_password',
      'cache_redis_password',
    ]);
  });
});
