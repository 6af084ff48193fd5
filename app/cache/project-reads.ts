import type { ProjectsRepository } from '../projects/repository.js';
import type { ListProjectsInput, Project, ProjectPage, ProjectStats } from '../projects/schema.js';
import { listPage, type ProjectReads } from '../projects/service.js';
import type { CacheContext } from './context.js';
import { createGroup } from './group.js';
import { listLocation, projectLocation, queryHash, STATS_LOCATION } from './keys.js';

export interface CachedProjectReads extends ProjectReads {
  /** Applies an invalidation message from the bus: `p:<id>`. */
  onMessage(message: string): void;
  /** Drops every L1 entry and detaches every read under way. */
  dropL1(): void;
}

/**
 * ProjectReads through the cache. A change to one project can change every list page
 * and the stats, so a write evicts that project and all list pages and stats; in
 * Redis those live in one family, `all`, whose token every write replaces.
 */
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

  const evictLocal = (id: string) => {
    projects.evict(id);
    pages.clear();
    stats.clear();
  };

  return {
    getById: (id) => projects.get(id, id),
    list: (query) => pages.get(queryHash(query), query),
    stats: () => stats.get('stats', undefined),
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
  };
}
