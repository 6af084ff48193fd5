/** One field-level validation failure, as `errors[]` of a problem+json body. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * The errors the app raises on purpose. Each carries everything the problem+json
 * middleware needs; anything that is not an AppError is an unexpected 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extras: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[] = []) {
    super(400, 'validation-error', 'Invalid request', detail, { errors });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid bearer token is required') {
    super(401, 'unauthorized', 'Unauthorized', detail, {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You may not do this') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'No such resource') {
    super(404, 'not-found', 'Not found', detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(detail = 'The resource changed since the ETag in If-Match') {
    super(412, 'precondition-failed', 'Precondition failed', detail);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, detail = 'Too many requests; retry later') {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, 'rate-limited', 'Too many requests', detail, {
      headers: { 'Retry-After': String(seconds) },
    });
  }
}

export class UnavailableError extends AppError {
  constructor(detail = 'A dependency is unavailable; retry shortly', retryAfterSeconds = 1) {
    super(503, 'unavailable', 'Service unavailable', detail, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/**
 * A 503 for work this replica refuses because too much of its kind is already running
 * (app/concurrency/bulkhead.ts). Not an UnavailableError on purpose: MongoDB is fine, so the
 * cache must neither mark it down nor serve stale entries for it.
 */
export class OverloadedError extends AppError {
  constructor(detail = 'Too busy; retry shortly', retryAfterSeconds = 1) {
    super(503, 'overloaded', 'Service overloaded', detail, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}
