import type { Long, ObjectId } from 'mongodb';
import { fromCents } from './money.js';
import { ProjectSchema, type OptionalField, type Project } from './schema.js';

/** Set by the server, never by a client's body. */
type ServerField = 'id' | 'createdAt' | 'updatedAt' | 'createdBy' | 'version';

/** What the service hands the repository to store: the API's fields, the budget in cents. */
export type ProjectFields = Omit<Project, ServerField | 'budget'> & { budgetCents: number };

export interface ProjectChanges {
  set: Partial<ProjectFields>;
  unset: OptionalField[];
}

/** A project as MongoDB stores it: the API's fields plus what sorts and sums need. */
export type ProjectDoc = Omit<Project, 'id' | 'budget' | 'createdAt' | 'updatedAt'> & {
  _id: ObjectId;
  /** Lower-cased name: the `name` sort is case-insensitive and uses an index on it. */
  nameLower: string;
  /** int64 cents, so MongoDB's $sum adds them exactly. */
  budgetCents: Long | number;
  createdAt: Date;
  updatedAt: Date;
};

// The answer's fields in the schema's order, so every answer reads the same.
const ANSWER_FIELDS = Object.keys(ProjectSchema.properties) as (keyof Project)[];

/** The API's project for a stored one; fields the schema does not name stay behind. */
export function toProject(doc: ProjectDoc): Project {
  const values: Partial<Record<keyof Project, unknown>> = {
    ...doc,
    id: doc._id.toHexString(),
    budget: fromCents(Number(doc.budgetCents)),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
  const entries = ANSWER_FIELDS.filter((field) => values[field] !== undefined).map((field) => [
    field,
    values[field],
  ]);
  return Object.fromEntries(entries) as Project;
}

/** The fields of a write that carry a value: MongoDB would store `undefined` as null. */
export function withoutUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}
