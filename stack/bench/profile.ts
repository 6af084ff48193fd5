import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadProfile, renderFlame, shares } from './flame.js';
import { stop } from './processes.js';
import { groundwork, type BenchEnv } from './servers.js';
import type { WrkResult } from './wrk.js';

/**
 * A separate cached replica run under `node --cpu-prof` at saturation on `path`; its
 * profile, start-up left out, is drawn as flame.svg. Returns each category's share of
 * the CPU time, for the report.
 */
export async function profileCached(
  env: BenchEnv,
  path: string,
  seconds: number,
  load: (url: string, seconds: number) => Promise<WrkResult>,
): Promise<[string, number][]> {
  const dir = join(env.dir, 'profile');
  mkdirSync(dir, { recursive: true });
  const spawned = Date.now();
  const server = await groundwork(env, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  for (let i = 0; i < 2; i += 1) await fetch(server.url + path);
  const skipMs = Date.now() - spawned;
  await load(server.url + path, seconds);
  // SIGTERM: main.ts shuts down and exits, which is when V8 writes the profile.
  await stop(server.child);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('the profiled replica wrote no .cpuprofile');
  const root = loadProfile(join(dir, file), skipMs);
  const title = `groundwork, cached GET ${path.replace(/[0-9a-f]{24}/, '{id}')} at saturation (node --cpu-prof, ${seconds} s, start-up left out)`;
  writeFileSync(join(env.dir, 'flame.svg'), renderFlame(root, title));
  return shares(root);
}
