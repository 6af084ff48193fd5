import { ValidationError } from '../errors/app-errors.js';
import { toCents } from './money.js';
import type { OptionalField, ProjectChanges, ProjectFields } from './repository.js';
import type { CreateProjectInput, PatchProjectInput } from './schema.js';

/*
 * The rules that turn a validated request body into what the repository stores:
 * the ones a JSON Schema cannot say (money in exact cents, endDate after startDate).
 */

/** The fields to store for a create, its rules checked (400 when one fails). */
export function toFields(input: CreateProjectInput): ProjectFields {
  const fields: ProjectFields = {
    name: input.name.trim(),
    budgetCents: toCents(input.budget, 'body.budget'),
    currency: input.currency ?? 'USD',
    status: input.status,
    ...(input.location !== undefined ? { location: input.location } : {}),
    ...(input.startDate !== undefined ? { startDate: input.startDate } : {}),
    ...(input.endDate !== undefined ? { endDate: input.endDate } : {}),
  };
  checkDates(fields.startDate, fields.endDate);
  return fields;
}

export function toChanges(input: PatchProjectInput): ProjectChanges {
  const set: Partial<ProjectFields> = {};
  const unset: OptionalField[] = [];
  if (input.name !== undefined) set.name = input.name.trim();
  if (input.budget !== undefined) set.budgetCents = toCents(input.budget, 'body.budget');
  if (input.currency !== undefined) set.currency = input.currency;
  if (input.status !== undefined) set.status = input.status;
  for (const field of ['location', 'startDate', 'endDate'] as const) {
    const value = input[field];
    if (value === null) unset.push(field);
    else if (value !== undefined) set[field] = value;
  }
  return { set, unset };
}

/** The value a field will have after a PATCH: null removes it, undefined keeps it. */
export function pick(
  patched: string | null | undefined,
  current: string | undefined,
): string | undefined {
  if (patched === null) return undefined;
  return patched ?? current;
}

export function checkDates(startDate: string | undefined, endDate: string | undefined): void {
  if (startDate !== undefined && endDate !== undefined && endDate < startDate) {
    throw new ValidationError('body.endDate: must not be before startDate', [
      { path: 'body.endDate', message: 'must not be before startDate' },
    ]);
  }
}
