import { ValidationError } from '../errors/app-errors.js';
import { toCents } from './money.js';
import type { ProjectChanges, ProjectFields } from './documents.js';
import type { CreateProjectInput, OptionalField, PatchProjectInput } from './schema.js';

/*
 * The rules that turn a validated request body into what the repository stores:
 * the ones a JSON Schema cannot say (money in exact cents, endDate after startDate).
 */

/** The fields to store for a create, its rules checked (400 when one fails). */
export function toFields(input: CreateProjectInput): ProjectFields {
  const { name, budget, currency = 'USD', ...rest } = input;
  const fields = {
    ...rest,
    name: name.trim(),
    budgetCents: toCents(budget, 'body.budget'),
    currency,
  };
  checkDates(fields.startDate, fields.endDate);
  return fields;
}

/** A change's fields to set and to remove (`null`); every other field is copied as sent. */
export function toChanges(input: PatchProjectInput): ProjectChanges {
  const { name, budget, ...rest } = input;
  const set: Partial<ProjectFields> & Record<string, unknown> = {};
  const unset: OptionalField[] = [];
  for (const [field, value] of Object.entries(rest)) {
    if (value === null) unset.push(field as OptionalField);
    else set[field] = value;
  }
  if (name !== undefined) set.name = name.trim();
  if (budget !== undefined) set.budgetCents = toCents(budget, 'body.budget');
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
