import type { ProjectsRepository } from '../projects/repository.js';
import type { ListProjectsInput, Project, ProjectPage, ProjectStats } from '../projects/schema.js';
import { listPage, type ProjectReads } from '../projects/service.js';
import type { CacheContext } from './context.js';
import type { Entry } from './entry.js';
import { createGroup } from './group.js';
import { listLocation, projectLocation, queryHash, STATS_LOCATION } from './keys.js';

export interface CachedProjectReads extends ProjectReads {
  /** Applies an invalidation message from the bus: `p:<id>`. */
  onMessage(message: string): void;
  /** Drops every L1 entry and detaches every read under way: they are known outdated. */
  dropL1(): void;
  /**
   * Invalidations may have been missed: no L1 entry is fresh any more, but each may
   * still answer as STALE if MongoDB fails too (group.ts suspect()).
   */
  suspectL1(): void;
  /** Fresh L1 entries only, synchronously: what the fast path answers from. */
  /** Only projects that exist: a cached 404 is answered by Koa, which owns problem+json. */
  peekById(id: string): Entry<Project> | undefined;
  peekList(query: ListProjectsInput): Entry<ProjectPage> | undefined;
  peekStats(): Entry<ProjectStats> | undefined;
}

/**
 * ProjectReads through the cache. A change to one project can change every list page
 * and the stats, so a write evicts that project and all list pages and stats; in
 * Redis those live in one family, `all`, whose token every write replaces.
 */
const exists = (project: Project | undefined) => project !== undefined;

export function createCachedReads(
  ctx: CacheContext,
  repository: ProjectsRepository,
  invalidateShared: (id: string) => Promise<void>,
): CachedProjectReads {
  const bytes = ctx.settings.l1MaxBytes;
  const projects = createGroup<string, Project | undefined>(
    ctx,
    { locate: projectLocation, load: (id) => repository.findById(id) },
    Math.floor(bytes * 0.7),
  );
  const pages = createGroup<ListProjectsInput, ProjectPage>(
    ctx,
    { locate: listLocation, load: (query) => listPage(repository, query) },
    Math.floor(bytes * 0.3),
  );
  const stats = createGroup<undefined, ProjectStats>(
    ctx,
    { locate: () => STATS_LOCATION, load: () => repository.stats() },
    64 * 1024,
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

  return {
    getById: (id) => projects.get(id, id),
    list: (query) => pages.get(keyOf(query), query),
    stats: () => stats.get('stats', undefined),
    peekById: (id) => projects.peek(id, exists) as Entry<Project> | undefined,
    peekList: (query) => pages.peek(keyOf(query)),
    peekStats: () => stats.peek('stats'),
    async onWrite(id) {
      evictLocal(id);
      await invalidateShared(id);
      // Again, after Redis has the new tokens: a read that began on this replica in
      // between may have seen the old ones, and this write's response must not be
      // followed by an older version here.
      evictLocal(id);
    },
    onMessage(message) {
      if (message.startsWith('p:')) evictLocal(message.slice(2));
    },
    dropL1() {
      projects.clear();
      pages.clear();
      stats.clear();
    },
    suspectL1() {
      projects.suspect();
      pages.suspect();
      stats.suspect();
    },
  };
}
