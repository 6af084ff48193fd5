import { Long, ObjectId, type Db, type Filter, type Sort as MongoSort } from 'mongodb';
import type { Bulkhead } from '../concurrency/bulkhead.js';
import { retryWrite } from '../db/mongo-errors.js';
import { timeLimit } from '../db/time-limit.js';
import type { CursorPosition } from './cursor.js';
import { fromCents } from './money.js';
import { STATUSES, type Project, type ProjectStats, type Sort, type Status } from './schema.js';

/** What the service hands the repository to store: rules already applied. */
export interface ProjectFields {
  name: string;
  budgetCents: number;
  currency: string;
  status: Status;
  location?: string;
  startDate?: string;
  endDate?: string;
}

export type OptionalField = 'location' | 'startDate' | 'endDate';

export interface ProjectChanges {
  set: Partial<ProjectFields>;
  unset: OptionalField[];
}

export interface ListFilter {
  status?: Status;
  q?: string;
  minCents?: number;
  maxCents?: number;
}

interface ProjectDoc {
  _id: ObjectId;
  name: string;
  /** Lower-cased name: the `name` sort is case-insensitive and uses an index on it. */
  nameLower: string;
  /** int64 cents, so MongoDB's $sum adds them exactly. */
  budgetCents: Long | number;
  currency: string;
  status: Status;
  location?: string;
  startDate?: string;
  endDate?: string;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
  version: number;
}

const SORT_FIELDS: Record<
  Sort,
  { field: 'createdAt' | 'budgetCents' | 'nameLower'; direction: 1 | -1 }
> = {
  createdAt: { field: 'createdAt', direction: 1 },
  '-createdAt': { field: 'createdAt', direction: -1 },
  budget: { field: 'budgetCents', direction: 1 },
  '-budget': { field: 'budgetCents', direction: -1 },
  name: { field: 'nameLower', direction: 1 },
};

/** How much database work one call may cause. */
export interface RepositoryLimits {
  /** Server-side time limit of every operation (MONGO_MAX_TIME_MS). */
  maxTimeMS: number;
  /**
   * Where list pages and stats run: they scan (a `q` search always does), so they get
   * a few slots of their own and by-id reads and writes never wait behind them.
   */
  scans?: Bulkhead;
}

const NO_LIMITS: RepositoryLimits = { maxTimeMS: 0 };

/** MongoDB access for projects; takes and returns plain API-shaped objects. */
export function createProjectsRepository(db: Db, limits: RepositoryLimits = NO_LIMITS) {
  const collection = db.collection<ProjectDoc>('projects');
  const timed = timeLimit(limits.maxTimeMS);
  const scan = <T>(work: () => Promise<T>): Promise<T> =>
    limits.scans ? limits.scans.run(work) : work();

  return {
    /**
     * `id` is given when an idempotent create chose it beforehand: then the insert is
     * sent again after an interruption too (a second one is a duplicate key).
     */
    async insert(fields: ProjectFields, createdBy: string, id?: string): Promise<Project> {
      const now = new Date();
      const doc: ProjectDoc = {
        _id: new ObjectId(id),
        ...withoutUndefined(fields),
        nameLower: fields.name.toLowerCase(),
        budgetCents: Long.fromNumber(fields.budgetCents),
        createdAt: now,
        updatedAt: now,
        createdBy,
        version: 1,
      };
      await retryWrite(() => collection.insertOne(doc, timed), id !== undefined);
      return toProject(doc);
    },

    async findById(id: string): Promise<Project | undefined> {
      const doc = await collection.findOne({ _id: new ObjectId(id) }, timed);
      return doc ? toProject(doc) : undefined;
    },

    /**
     * Applies `changes` only if the stored version is still `expectedVersion`, in one
     * atomic findOneAndUpdate: no lost update, and no half-applied change.
     */
    async update(
      id: string,
      expectedVersion: number,
      changes: ProjectChanges,
    ): Promise<Project | undefined> {
      const set: Record<string, unknown> = {
        ...withoutUndefined(changes.set),
        updatedAt: new Date(),
      };
      if (changes.set.name !== undefined) set.nameLower = changes.set.name.toLowerCase();
      if (changes.set.budgetCents !== undefined)
        set.budgetCents = Long.fromNumber(changes.set.budgetCents);
      const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
      if (changes.unset.length > 0)
        update.$unset = Object.fromEntries(changes.unset.map((f) => [f, '']));
      const doc = await retryWrite(() =>
        collection.findOneAndUpdate({ _id: new ObjectId(id), version: expectedVersion }, update, {
          returnDocument: 'after',
          ...timed,
        }),
      );
      return doc ? toProject(doc) : undefined;
    },

    async remove(id: string): Promise<boolean> {
      const { deletedCount } = await retryWrite(() =>
        collection.deleteOne({ _id: new ObjectId(id) }, timed),
      );
      return deletedCount === 1;
    },

    /** One page plus one extra item, which tells whether another page exists. */
    async list(filter: ListFilter, sort: Sort, limit: number, after?: CursorPosition) {
      const { field, direction } = SORT_FIELDS[sort];
      const conditions: Filter<ProjectDoc>[] = [toMongoFilter(filter)];
      if (after) conditions.push(afterPosition(field, direction, after));
      const mongoSort: MongoSort = { [field]: direction, _id: direction };
      const docs = await scan(() =>
        collection
          .find({ $and: conditions }, timed)
          .sort(mongoSort)
          .limit(limit + 1)
          .toArray(),
      );
      const page = docs.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(toProject),
        last: docs.length > limit && last ? positionOf(last, sort) : undefined,
      };
    },

    async stats(): Promise<ProjectStats> {
      // FerretDB 1.24 answers `{$sum: 1}` with 0, so counts come from countDocuments;
      // budget sums are int64 and read as BigInt so no total passes through a double
      // until the very end. One slot of the bulkhead for the five commands.
      const [sums, ...counts] = await scan(() =>
        Promise.all([
          collection
            .aggregate<{ _id: Status; cents: bigint | number }>(
              [{ $group: { _id: '$status', cents: { $sum: '$budgetCents' } } }],
              { useBigInt64: true, ...timed },
            )
            .toArray(),
          ...STATUSES.map((status) => collection.countDocuments({ status }, timed)),
        ]),
      );
      const centsBy = new Map(sums.map((s) => [s._id, BigInt(s.cents)]));
      const byStatus = Object.fromEntries(STATUSES.map((s, i) => [s, counts[i] ?? 0]));
      const budgetBy = Object.fromEntries(
        STATUSES.map((s) => [s, fromCents(centsBy.get(s) ?? 0n)]),
      );
      const totalCents = STATUSES.reduce((sum, s) => sum + (centsBy.get(s) ?? 0n), 0n);
      return {
        total: counts.reduce((a, b) => a + b, 0),
        byStatus: byStatus as ProjectStats['byStatus'],
        budget: {
          total: fromCents(totalCents),
          byStatus: budgetBy as ProjectStats['budget']['byStatus'],
        },
      };
    },
  };
}

export type ProjectsRepository = ReturnType<typeof createProjectsRepository>;

function toMongoFilter(filter: ListFilter): Filter<ProjectDoc> {
  const query: Filter<ProjectDoc> = {};
  if (filter.status !== undefined) query.status = filter.status;
  if (filter.q !== undefined) query.name = { $regex: escapeRegex(filter.q), $options: 'i' };
  if (filter.minCents !== undefined || filter.maxCents !== undefined) {
    query.budgetCents = {
      ...(filter.minCents !== undefined ? { $gte: filter.minCents } : {}),
      ...(filter.maxCents !== undefined ? { $lte: filter.maxCents } : {}),
    };
  }
  return query;
}

function afterPosition(
  field: string,
  direction: 1 | -1,
  after: CursorPosition,
): Filter<ProjectDoc> {
  const op = direction === 1 ? '$gt' : '$lt';
  const value = field === 'createdAt' ? new Date(after.value) : after.value;
  const id = new ObjectId(after.id);
  return { $or: [{ [field]: { [op]: value } }, { [field]: value, _id: { [op]: id } }] };
}

function positionOf(doc: ProjectDoc, sort: Sort): CursorPosition {
  const { field } = SORT_FIELDS[sort];
  const value =
    field === 'createdAt'
      ? doc.createdAt.getTime()
      : field === 'nameLower'
        ? doc.nameLower
        : Number(doc.budgetCents);
  return { sort, value, id: doc._id.toHexString() };
}

/** The user's text is matched literally: regex syntax in `q` has no meaning. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function withoutUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

function toProject(doc: ProjectDoc): Project {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    budget: fromCents(Number(doc.budgetCents)),
    currency: doc.currency,
    status: doc.status,
    ...(doc.location !== undefined ? { location: doc.location } : {}),
    ...(doc.startDate !== undefined ? { startDate: doc.startDate } : {}),
    ...(doc.endDate !== undefined ? { endDate: doc.endDate } : {}),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    createdBy: doc.createdBy,
    version: doc.version,
  };
}
