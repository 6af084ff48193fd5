import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseline, groundwork, nginx, seedProject, type BenchEnv, type Server } from './servers.js';

/** The paths of the three cached reads, and the list page every client starts with. */
export const PATHS = { list: '/projects?limit=20', stats: '/projects/stats' };

/**
 * Starts every server of the table, seeded so that each answers the same bytes for the
 * same read: the baselines serve what groundwork answered, from memory or Redis.
 */
export async function startAll(env: BenchEnv): Promise<Server[]> {
  const cached = await groundwork(env, {});
  const direct = await groundwork(env, { CACHE_ENABLED: 'false' });
  const behind = await groundwork(env, { TRUST_PROXY: 'true' });
  // Not one of the six: (4) without its per-request log line, to show what that costs.
  const quiet = await groundwork(env, { LOG_LEVEL: 'warn' });
  let id = '';
  for (let i = 0; i < 20; i += 1) id = await seedProject(cached.url);
  const path = `/projects/${id}`;
  const files: Record<string, string> = {};
  for (const [name, p] of Object.entries({
    BODY_FILE: path,
    LIST_FILE: PATHS.list,
    STATS_FILE: PATHS.stats,
  })) {
    files[name] = join(env.dir, `${name.toLowerCase()}.json`);
    writeFileSync(files[name], Buffer.from(await (await fetch(cached.url + p)).arrayBuffer()));
  }
  const redis = new Redis(env.redisUrl);
  await redis.set(
    'bench:project',
    Buffer.from(await (await fetch(cached.url + path)).arrayBuffer()),
  );
  redis.disconnect();
  const bare = await baseline(env, 'bare-http', { BODY_FILE: files.BODY_FILE ?? '' });
  const bareRedis = await baseline(env, 'bare-redis', { REDIS_URL: env.redisUrl });
  const koa = await baseline(env, 'koa-minimal', files);
  const edge = await nginx(env, behind.port);
  const on = (s: { url: string; child: Server['node'] }, p: string) => ({
    url: s.url + p,
    node: s.child,
  });
  return [
    { key: 'bare', label: '(1) node:http, bytes from memory', group: path, ...on(bare, path) },
    {
      key: 'bare-redis',
      label: '(2) node:http + 1 ioredis GET',
      group: path,
      ...on(bareRedis, path),
    },
    { key: 'koa', label: '(3) Koa + @koa/router, memory', group: path, ...on(koa, path) },
    {
      key: 'groundwork',
      label: '(4) groundwork, cached (L1 hit)',
      group: path,
      ...on(cached, path),
    },
    {
      key: 'no-request-log',
      label: "(4') as (4), no request log",
      group: path,
      ...on(quiet, path),
    },
    { key: 'no-cache', label: '(5) groundwork, cache off', group: path, ...on(direct, path) },
    {
      key: 'nginx',
      label: '(6) groundwork via nginx',
      group: path,
      ...on(edge, path),
      node: behind.child,
      extra: edge.child,
    },
    // The same nginx and replica over TLS, keep-alive as (6): HTTP/1.1 with wrk, HTTP/2
    // with h2load, and h2load over plain HTTP/1.1 as that tool's own baseline.
    {
      key: 'nginx-tls',
      label: '(6s) as (6), HTTPS, HTTP/1.1',
      group: path,
      url: edge.httpsUrl + path,
      node: behind.child,
    },
    {
      key: 'nginx-h2',
      label: '(6h) as (6), HTTPS, HTTP/2 (h2load)',
      group: path,
      url: edge.httpsUrl + path,
      node: behind.child,
      tool: 'h2load',
    },
    {
      key: 'nginx-h1-h2load',
      label: '(6c) as (6), HTTP/1.1 (h2load)',
      group: path,
      url: edge.url + path,
      node: behind.child,
      tool: 'h2load-h1',
    },
    {
      key: 'koa-list',
      label: '(3L) Koa + @koa/router, list page',
      group: 'list',
      ...on(koa, PATHS.list),
    },
    {
      key: 'groundwork-list',
      label: '(4L) groundwork, cached list page',
      group: 'list',
      ...on(cached, PATHS.list),
    },
    {
      key: 'koa-stats',
      label: '(3S) Koa + @koa/router, stats',
      group: 'stats',
      ...on(koa, PATHS.stats),
    },
    {
      key: 'groundwork-stats',
      label: '(4S) groundwork, cached stats',
      group: 'stats',
      ...on(cached, PATHS.stats),
    },
  ];
}
