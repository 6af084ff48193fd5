import { ObjectId, type Filter, type Sort as MongoSort } from 'mongodb';
import type { CursorPosition } from './cursor.js';
import type { ProjectDoc, ProjectFields } from './documents.js';
import type { Sort } from './schema.js';

/** A list page's filter, its budget bounds in cents. */
export interface ListFilter {
  /** Fields that must equal these values (status, ...). */
  equal: Partial<Omit<ProjectFields, 'budgetCents'>>;
  q?: string;
  minCents?: number;
  maxCents?: number;
}

type SortField = 'createdAt' | 'budgetCents' | 'nameLower';

const SORT_FIELDS: Record<Sort, { field: SortField; direction: 1 | -1 }> = {
  createdAt: { field: 'createdAt', direction: 1 },
  '-createdAt': { field: 'createdAt', direction: -1 },
  budget: { field: 'budgetCents', direction: 1 },
  '-budget': { field: 'budgetCents', direction: -1 },
  name: { field: 'nameLower', direction: 1 },
};

/** The query and sort of one list page, resuming after `after` when given. */
export function listConditions(
  filter: ListFilter,
  sort: Sort,
  after?: CursorPosition,
): { query: Filter<ProjectDoc>; sort: MongoSort } {
  const { field, direction } = SORT_FIELDS[sort];
  const conditions: Filter<ProjectDoc>[] = [toMongoFilter(filter)];
  if (after) conditions.push(afterPosition(field, direction, after));
  return { query: { $and: conditions }, sort: { [field]: direction, _id: direction } };
}

/** Where the next page starts: the last item's sort value and id. */
export function positionOf(doc: ProjectDoc, sort: Sort): CursorPosition {
  const { field } = SORT_FIELDS[sort];
  const value =
    field === 'createdAt'
      ? doc.createdAt.getTime()
      : field === 'nameLower'
        ? doc.nameLower
        : Number(doc.budgetCents);
  return { sort, value, id: doc._id.toHexString() };
}

function toMongoFilter(filter: ListFilter): Filter<ProjectDoc> {
  const query: Filter<ProjectDoc> = { ...filter.equal };
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
  field: SortField,
  direction: 1 | -1,
  after: CursorPosition,
): Filter<ProjectDoc> {
  const op = direction === 1 ? '$gt' : '$lt';
  const value = field === 'createdAt' ? new Date(after.value) : after.value;
  const id = new ObjectId(after.id);
  return { $or: [{ [field]: { [op]: value } }, { [field]: value, _id: { [op]: id } }] };
}

/** The user's text is matched literally: regex syntax in `q` has no meaning. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
