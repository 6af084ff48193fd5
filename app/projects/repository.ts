import { Long, ObjectId, type Db } from 'mongodb';
import type { Bulkhead } from '../concurrency/bulkhead.js';
import { retryWrite } from '../db/mongo-errors.js';
import { timeLimit } from '../db/time-limit.js';
import type { CursorPosition } from './cursor.js';
import {
  toProject,
  withoutUndefined,
  type ProjectChanges,
  type ProjectDoc,
  type ProjectFields,
} from './documents.js';
import { listConditions, positionOf, type ListFilter } from './list-conditions.js';
import { fromCents } from './money.js';
import { STATUSES, type Project, type ProjectStats, type Sort, type Status } from './schema.js';

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
      const conditions = listConditions(filter, sort, after);
      const docs = await scan(() =>
        collection
          .find(conditions.query, timed)
          .sort(conditions.sort)
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
