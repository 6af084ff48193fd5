import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { AppError, ValidationError } from '../errors/app-errors.js';
import { IdempotencyKeyHeader } from './schema.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The key a client sent, undefined when it sent none. Checked with the same TypeBox
 * schema the OpenAPI document shows. Node joins repeated headers with ", ", so two
 * Idempotency-Key headers fail the no-spaces rule instead of silently picking one.
 */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && Value.Check(IdempotencyKeyHeader, raw)) return raw;
  const path = `header.${IDEMPOTENCY_HEADER}`;
  const message = 'must be 1–255 visible ASCII characters (! to ~, no spaces)';
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

/**
 * SHA-256 of the validated body with its keys sorted: a retry that reorders fields or
 * reformats the JSON is still the same request, one that changes a value is not.
 * The body is flat (no nested objects), so sorting the top-level keys is enough.
 */
export function fingerprintOf(body: object): string {
  const canonical = JSON.stringify(body, Object.keys(body).sort());
  return createHash('sha256').update(canonical).digest('hex');
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      `This ${IDEMPOTENCY_HEADER} was already used with a different body; ` +
        'send the original body to get the original answer, or use a new key for a new project',
    );
  }
}

export class IdempotencyKeyInFlightError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      409,
      'idempotency-key-in-flight',
      'Request in progress',
      `A request with this ${IDEMPOTENCY_HEADER} is still being processed; ` +
        'retry the same request after Retry-After seconds',
      { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
    );
  }
}
