import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type FieldError } from '../errors/app-errors.js';

// ajv-formats is CommonJS with a default export; under NodeNext its default import is
// the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Bodies are validated as sent: no coercion, so `"budget": "5"` is a type error. */
const bodyAjv = addFormats(new Ajv({ allErrors: true, strict: true, coerceTypes: false }));
/** Query strings are text by nature; coerce "20" to 20 where the schema says integer. */
const queryAjv = addFormats(new Ajv({ allErrors: true, strict: true, coerceTypes: true }));

export type Validator<T extends TSchema> = (value: unknown) => Static<T>;

/**
 * Compiles a TypeBox schema once and returns a function that returns the value typed,
 * or throws a ValidationError whose `errors` name every failing field. `where` prefixes
 * the paths ("body", "query") so a client knows which part of the request was wrong.
 */
export function validator<T extends TSchema>(schema: T, where: 'body' | 'query'): Validator<T> {
  const compiled: ValidateFunction = (where === 'body' ? bodyAjv : queryAjv).compile(schema);
  return (value: unknown) => {
    if (compiled(value)) return value;
    const errors = (compiled.errors ?? []).map((e) => toFieldError(e, where));
    const first = errors[0];
    throw new ValidationError(
      first ? `${first.path}: ${first.message}` : 'Invalid request',
      errors,
    );
  };
}

function toFieldError(error: ErrorObject, where: string): FieldError {
  const pointer = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') {
    pointer.push((error.params as { additionalProperty: string }).additionalProperty);
    return { path: [where, ...pointer].join('.'), message: 'is not an allowed field' };
  }
  if (error.keyword === 'required') {
    pointer.push((error.params as { missingProperty: string }).missingProperty);
    return { path: [where, ...pointer].join('.'), message: 'is required' };
  }
  return { path: [where, ...pointer].join('.'), message: error.message ?? 'is invalid' };
}
