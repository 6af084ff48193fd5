/** The archives in a backup directory: their names, the newest, publishing and pruning. */

import { link, open, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readArchive, type Manifest } from './archive.js';

const NAME = /^groundwork-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$/;

/** `groundwork-20260101T000000Z.tar.gz`, `-1`, `-2` ... when that second is taken. */
export function archiveName(time: Date, suffix: number): string {
  const stamp = time
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `groundwork-${stamp}${suffix > 0 ? `-${suffix}` : ''}.tar.gz`;
}

/** Archive names in `dir`, oldest first (by their time, then their suffix). */
export async function listArchiveNames(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  const key = (name: string) => {
    const [, stamp = '', suffix = '0'] = NAME.exec(name) ?? [];
    return `${stamp}:${suffix.padStart(6, '0')}`;
  };
  return names
    .filter((name) => NAME.test(name))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A name is looked up in `dir`; anything with a slash is a path taken as is. */
export function resolveArchive(dir: string, nameOrPath: string): string {
  return nameOrPath.includes('/') ? nameOrPath : join(dir, nameOrPath);
}

export interface ArchiveInfo {
  name: string;
  path: string;
  bytes: number;
  /** When it was complete (its mtime). */
  finishedMs: number;
  manifest: Manifest;
}

/** Size, manifest and completion time of one archive; reads only its first entry. */
export async function archiveInfo(path: string): Promise<ArchiveInfo> {
  const [stats, manifest] = await Promise.all([stat(path), readArchive(path, undefined, true)]);
  return { name: basename(path), path, bytes: stats.size, finishedMs: stats.mtimeMs, manifest };
}

/** The newest archive in `dir` whose manifest reads, if any. */
export async function newestArchive(dir: string): Promise<ArchiveInfo | undefined> {
  const names = await listArchiveNames(dir);
  for (const name of names.reverse()) {
    const info = await archiveInfo(join(dir, name)).catch(() => undefined);
    if (info) return info;
  }
  return undefined;
}

/** Links the finished temp file to the first free archive name, then fsyncs the directory. */
export async function publish(
  temp: string,
  dir: string,
  time: Date,
): Promise<{ name: string; path: string }> {
  for (let suffix = 0; ; suffix++) {
    const name = archiveName(time, suffix);
    const path = join(dir, name);
    try {
      // link() never replaces: two backups in one second get different names.
      await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { name, path };
  }
}

/**
 * Removes temp dirs of backups killed outright (SIGKILL, a lost node) over a day ago;
 * a younger one may be another process's run in progress.
 */
export async function removeStaleTemp(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('.tmp-groundwork-')) continue;
    const { mtimeMs } = await stat(join(dir, name));
    if (now - mtimeMs < 24 * 3600 * 1000) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes all but the newest `keep` archives; returns the names removed. */
export async function prune(dir: string, names: string[], keep: number): Promise<string[]> {
  const old = names.slice(0, Math.max(0, names.length - keep));
  for (const name of old) await rm(join(dir, name), { force: true });
  return old;
}
