import type { Cache } from '../cache/create-cache.js';
import type { Entry } from '../cache/entry.js';
import { queryHash, type Location } from '../cache/keys.js';
import type { ProjectsRepository } from './repository.js';
import type { ListProjectsInput, Project, ProjectPage, ProjectStats } from './schema.js';
import { listPage, type ProjectReads } from './service.js';

export interface CachedProjectReads extends ProjectReads {
  /** Fresh L1 entries only, synchronously: what the fast path answers from. */
  /** Only projects that exist: a cached 404 is answered by Koa, which owns problem+json. */
  peekById(id: string): Entry<Project> | undefined;
  peekList(query: ListProjectsInput): Entry<ProjectPage> | undefined;
  peekStats(): Entry<ProjectStats> | undefined;
}

// A change to one project can change every list page and the stats, so a write
// invalidates that project's family and `all`, the family of every page and the stats.
const ALL = 'all';
const projectFamily = (id: string) => `p:${id}`;
const projectLocation = (id: string): Location => ({ family: projectFamily(id), suffix: '' });
const listLocation = (hash: string): Location => ({ family: ALL, suffix: `:l:${hash}` });
const STATS_LOCATION: Location = { family: ALL, suffix: ':s' };

const exists = (project: Project | undefined) => project !== undefined;

/**
 * ProjectReads through the cache. By-id reads are admitted on their first miss (an
 * unknown id is cached as a short-lived negative entry); list pages, whose queries a
 * client can vary without end, only on their second (app/cache/README.md, "Cache admission").
 */
export function createCachedReads(
  cache: Cache,
  repository: ProjectsRepository,
): CachedProjectReads {
  const bytes = cache.l1MaxBytes;
  const projects = cache.group<string, Project | undefined>(
    { locate: projectLocation, load: (id) => repository.findById(id) },
    { maxBytes: Math.floor(bytes * 0.7), admission: 'first-miss' },
  );
  const pages = cache.group<ListProjectsInput, ProjectPage>(
    { locate: listLocation, load: (query) => listPage(repository, query) },
    { maxBytes: Math.floor(bytes * 0.3), admission: 'second-miss' },
  );
  const stats = cache.group<undefined, ProjectStats>(
    { locate: () => STATS_LOCATION, load: () => repository.stats() },
    { maxBytes: 64 * 1024, admission: 'first-miss' },
  );

  // The routes hand over one frozen object per distinct query string (list-queries.ts),
  // so its hash, a SHA-1 of its JSON, is computed once rather than on every hit.
  const hashes = new WeakMap<ListProjectsInput, string>();
  const keyOf = (query: ListProjectsInput): string => {
    let key = hashes.get(query);
    if (key === undefined) {
      key = queryHash(query);
      hashes.set(query, key);
    }
    return key;
  };

  const evictLocal = (id: string) => {
    projects.evict(id);
    pages.clear();
    stats.clear();
  };
  // Every write changes the pages, and a replica of the previous release announces
  // only `p:<id>`: so that clears them too.
  cache.onInvalidate((family) => {
    if (family.startsWith('p:')) evictLocal(family.slice(2));
    else if (family === ALL) {
      pages.clear();
      stats.clear();
    }
  });

  return {
    getById: (id) => projects.get(id, id),
    list: (query) => pages.get(keyOf(query), query),
    stats: () => stats.get('stats', undefined),
    peekById: (id) => projects.peek(id, exists) as Entry<Project> | undefined,
    peekList: (query) => pages.peek(keyOf(query)),
    peekStats: () => stats.peek('stats'),
    async onWrite(id) {
      evictLocal(id);
      await cache.invalidate([projectFamily(id), ALL]);
      // Again, after Redis has the new tokens: a read that began on this replica in
      // between may have seen the old ones, and this write's response must not be
      // followed by an older version here.
      evictLocal(id);
    },
  };
}
