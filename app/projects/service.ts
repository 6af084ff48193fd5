import type { PublicUser } from '../auth/index.js';
import type { Read } from '../cache/read.js';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../errors/app-errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { checkDates, pick, toChanges, toFields } from './fields.js';
import { isDuplicateKey, type IdempotencyStore } from './idempotency-store.js';
import { fingerprintOf } from './idempotency-key.js';
import { createIdempotentCreates, type CreateOutcome } from './idempotent-create.js';
import type { ProjectFields } from './documents.js';
import type { ProjectsRepository } from './repository.js';
import type {
  CreateProjectInput,
  ListProjectsInput,
  PatchProjectInput,
  Project,
  ProjectPage,
  ProjectStats,
} from './schema.js';

/**
 * The read side, separate so a cache can wrap it: the service only ever reads
 * through this, and tells `onWrite` about every change so a cache can evict.
 */
export interface ProjectReads {
  getById(id: string): Promise<Read<Project | undefined>>;
  list(query: ListProjectsInput): Promise<Read<ProjectPage>>;
  stats(): Promise<Read<ProjectStats>>;
  /** Called after every successful write, before the response is sent. */
  onWrite(id: string): Promise<void>;
}

/** Reads straight from MongoDB: what runs when no cache is configured. */
export function directReads(repository: ProjectsRepository): ProjectReads {
  return {
    getById: async (id) => ({ value: await repository.findById(id), cache: 'MISS' }),
    list: async (query) => ({ value: await listPage(repository, query), cache: 'MISS' }),
    stats: async () => ({ value: await repository.stats(), cache: 'MISS' }),
    onWrite: () => Promise.resolve(),
  };
}

export async function listPage(
  repository: ProjectsRepository,
  query: ListProjectsInput,
): Promise<ProjectPage> {
  // Every query parameter not named here is a project field the page must match exactly.
  const { sort = '-createdAt', cursor, limit = 20, q, minBudget, maxBudget, ...equal } = query;
  const after = cursor === undefined ? undefined : decodeCursor(cursor, sort);
  // Bounds are compared in cents; the epsilon absorbs x * 100 landing a hair off an
  // integer (0.07 * 100 = 7.000000000000001).
  const filter = {
    equal,
    ...(q !== undefined ? { q } : {}),
    ...(minBudget !== undefined ? { minCents: Math.ceil(minBudget * 100 - 1e-6) } : {}),
    ...(maxBudget !== undefined ? { maxCents: Math.floor(maxBudget * 100 + 1e-6) } : {}),
  };
  const { items, last } = await repository.list(filter, sort, limit, after);
  return { items, nextCursor: last ? encodeCursor(last) : null };
}

export function createProjectsService(deps: {
  repository: ProjectsRepository;
  idempotency: IdempotencyStore;
  reads?: ProjectReads;
}) {
  const { repository } = deps;
  const reads = deps.reads ?? directReads(repository);
  const once = createIdempotentCreates(deps.idempotency);

  /** Inserts under a chosen id; if it exists, an earlier attempt got this far and died. */
  async function insertAs(id: string, fields: ProjectFields, user: PublicUser): Promise<Project> {
    try {
      return await repository.insert(fields, user.id, id);
    } catch (err) {
      const existing = isDuplicateKey(err) ? await repository.findById(id) : undefined;
      if (existing) return existing;
      throw err;
    }
  }

  /** Loads a project for a change: 404 if absent, 403 unless creator or admin. */
  async function loadForChange(id: string, user: PublicUser): Promise<Project> {
    const project = await repository.findById(id);
    if (!project) throw new NotFoundError(`No project ${id}`);
    if (user.role !== 'admin' && project.createdBy !== user.id) {
      throw new ForbiddenError('Only the project’s creator or an admin may change it');
    }
    return project;
  }

  return {
    getById: (id: string) => reads.getById(id),
    list: (query: ListProjectsInput) => reads.list(query),
    stats: () => reads.stats(),

    async create(input: CreateProjectInput, user: PublicUser): Promise<Project> {
      const project = await repository.insert(toFields(input), user.id);
      await reads.onWrite(project.id);
      return project;
    },

    /** `create`, done at most once per user and Idempotency-Key: idempotent-create.ts. */
    async createOnce(
      input: CreateProjectInput,
      user: PublicUser,
      key: string,
    ): Promise<CreateOutcome> {
      const fields = toFields(input);
      const scope = { userId: user.id, key, fingerprint: fingerprintOf(input) };
      const outcome = await once(scope, (id) => insertAs(id, fields, user));
      if (!outcome.replayed) await reads.onWrite(outcome.project.id);
      return outcome;
    },

    /**
     * `ifMatch` is the version from an If-Match ETag, if the client sent one. Without
     * it the change applies to whatever version is current, retried if another write
     * lands between our read and our update.
     */
    async update(
      id: string,
      input: PatchProjectInput,
      user: PublicUser,
      ifMatch?: number,
    ): Promise<Project> {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const current = await loadForChange(id, user);
        if (ifMatch !== undefined && current.version !== ifMatch)
          throw new PreconditionFailedError();
        const changes = toChanges(input);
        checkDates(pick(input.startDate, current.startDate), pick(input.endDate, current.endDate));
        const updated = await repository.update(id, current.version, changes);
        if (updated) {
          await reads.onWrite(id);
          return updated;
        }
      }
      throw new PreconditionFailedError('The project is being changed by others; retry');
    },

    async remove(id: string, user: PublicUser): Promise<void> {
      await loadForChange(id, user);
      if (!(await repository.remove(id))) throw new NotFoundError(`No project ${id}`);
      await reads.onWrite(id);
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
