import { Type, type Static, type TNull, type TProperties, type TUnion } from '@sinclair/typebox';
import {
  exampleCreate,
  examplePage,
  examplePatch,
  exampleProject,
  exampleStats,
} from './examples.js';

/**
 * The one description of a project: request validation (ajv), TypeScript types
 * (Static<>) and the OpenAPI document are all derived from these schemas.
 */

export const STATUSES = ['planning', 'in_progress', 'completed'] as const;
export const SORTS = ['createdAt', '-createdAt', 'budget', '-budget', 'name'] as const;
// ISO 4217 codes as this Node build knows them (ICU's list), so the enum stays current
// with the runtime instead of a hand-kept copy.
export const CURRENCIES = Intl.supportedValuesOf('currency');
export const MAX_BUDGET = 1_000_000_000_000;

const Id = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24 hex characters' });
const Status = Type.Union(
  STATUSES.map((s) => Type.Literal(s)),
  { description: 'planning, in_progress or completed' },
);
const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: '1–200 characters; surrounding whitespace is trimmed',
});
const Budget = Type.Number({
  minimum: 0,
  maximum: MAX_BUDGET,
  description: 'At most 2 decimals; stored as integer cents, so sums are exact',
});
const Currency = Type.Union(
  CURRENCIES.map((c) => Type.Literal(c)),
  { description: 'ISO 4217 code' },
);
// Only a new project defaults to USD: a change that leaves currency out keeps it.
const NewCurrency = Type.Union(
  CURRENCIES.map((c) => Type.Literal(c)),
  { description: 'ISO 4217 code; USD when left out', default: 'USD' },
);
const Location = Type.String({ maxLength: 200 });
const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });

/**
 * A project's fields as clients write them, one line each: the create and change
 * bodies, the answer and the stored document (documents.ts) all derive from these.
 */
const REQUIRED_FIELDS = { name: Name, budget: Budget, currency: Currency, status: Status };
/** Fields a project may lack; a change sets one to `null` to remove it. */
const OPTIONAL_FIELDS = { location: Location, startDate: DateOnly, endDate: DateOnly };
export type OptionalField = keyof typeof OPTIONAL_FIELDS;

const optional = Type.Partial(Type.Object(OPTIONAL_FIELDS)).properties;
// The answer states these as plain types: a project stored under looser rules (an
// older limit, a currency this runtime dropped) still matches it.
const STORED_AS = {
  name: Type.String(),
  budget: Type.Number({ minimum: 0 }),
  currency: Type.String(),
  location: Type.Optional(Type.String()),
};

export const ProjectSchema = Type.Object(
  {
    id: Id,
    ...REQUIRED_FIELDS,
    ...optional,
    ...STORED_AS,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    createdBy: Type.String(),
    version: Type.Integer({ minimum: 1, description: '1 on create, +1 on every change' }),
  },
  {
    additionalProperties: false,
    description: 'A construction project',
    examples: [exampleProject],
  },
);
export type Project = Static<typeof ProjectSchema>;

export const CreateProjectBody = Type.Object(
  { ...REQUIRED_FIELDS, currency: Type.Optional(NewCurrency), ...optional },
  {
    additionalProperties: false,
    description: 'A new project; endDate, when given with startDate, is not before it',
    examples: [exampleCreate],
  },
);
export type CreateProjectInput = Static<typeof CreateProjectBody>;

/** Client-chosen; scoped to the signed-in user. Visible ASCII fits UUIDs and ULIDs. */
export const IdempotencyKeyHeader = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[!-~]+$',
  description:
    '1–255 visible ASCII characters (! to ~, no spaces), e.g. a UUID. A retry with the ' +
    'same key and body within 24 h returns the original 201 and creates nothing.',
});

/** Every field optional; `null` removes an optional field. */
export const PatchProjectBody = Type.Object(
  Type.Partial(Type.Object({ ...REQUIRED_FIELDS, ...orNull(OPTIONAL_FIELDS) })).properties,
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The fields to change, at least one; `null` removes an optional field',
    examples: [examplePatch],
  },
);
export type PatchProjectInput = Static<typeof PatchProjectBody>;

export const ListProjectsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Name contains, case-insensitive' }),
    ),
    minBudget: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_BUDGET })),
    maxBudget: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_BUDGET })),
    sort: Type.Optional(
      Type.Union(
        SORTS.map((s) => Type.Literal(s)),
        { default: '-createdAt' },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type ListProjectsInput = Static<typeof ListProjectsQuery>;
export type Sort = (typeof SORTS)[number];
export type Status = (typeof STATUSES)[number];

export const ProjectPageSchema = Type.Object(
  {
    items: Type.Array(ProjectSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { description: 'One page of projects', examples: [examplePage] },
);
export type ProjectPage = Static<typeof ProjectPageSchema>;

const PerStatus = (schema: typeof Budget | ReturnType<typeof Type.Integer>) =>
  Type.Object(
    { planning: schema, in_progress: schema, completed: schema },
    { additionalProperties: false },
  );

export const ProjectStatsSchema = Type.Object(
  {
    total: Type.Integer({ minimum: 0 }),
    byStatus: PerStatus(Type.Integer({ minimum: 0 })),
    budget: Type.Object({
      total: Type.Number({ minimum: 0 }),
      byStatus: PerStatus(Type.Number({ minimum: 0 })),
    }),
  },
  {
    description: 'Project counts and exact budget sums, overall and per status',
    examples: [exampleStats],
  },
);
export type ProjectStats = Static<typeof ProjectStatsSchema>;

export const ProjectIdParam = Id;

function orNull<T extends TProperties>(fields: T): { [K in keyof T]: TUnion<[T[K], TNull]> } {
  const entries = Object.entries(fields).map(([name, schema]) => [
    name,
    Type.Union([schema, Type.Null()]),
  ]);
  return Object.fromEntries(entries) as { [K in keyof T]: TUnion<[T[K], TNull]> };
}
