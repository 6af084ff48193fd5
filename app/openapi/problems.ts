import { Type } from '@sinclair/typebox';
import { problem } from './common.js';

/**
 * The error responses every route shares, all application/problem+json (RFC 9457).
 * A route lists the ones it can answer, naming its own cause where it has one
 * (`errors.badRequest('Invalid query or id')`); common.ts's `problem(cause)` covers the rest.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem' }),
    title: Type.String({ description: 'A short, fixed summary of that kind' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong with this request' }),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'One entry per invalid field, on validation failures',
      }),
    ),
  },
  {
    description: 'RFC 9457 problem details: every 4xx and 5xx answer, from the app or nginx',
    examples: [
      {
        type: 'https://groundwork.dev/problems/validation-error',
        title: 'Invalid request',
        status: 400,
        detail: 'body.budget: must be >= 0',
        errors: [{ path: 'body.budget', message: 'must be >= 0' }],
      },
    ],
  },
);

export const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: Type.Integer({ minimum: 1 }),
  },
};

export const errors = {
  badRequest: (cause = 'Malformed JSON, or a field that breaks its rules') => problem(cause),
  unauthorized: (cause = 'Missing, malformed, expired or signed-out bearer token') =>
    problem(cause, {
      'WWW-Authenticate': { description: 'Always `Bearer`', schema: Type.String() },
    }),
  forbidden: (cause = 'Only the creator or an admin may do this') => problem(cause),
  tooLarge: () => problem('The body is larger than 64 KiB'),
  unsupported: () => problem('The body is not application/json'),
  rateLimited: (cause = 'Too many requests; retry after Retry-After seconds') =>
    problem(cause, retryAfter),
  unavailable: (cause = 'A dependency (MongoDB or Redis) is unavailable; retry shortly') =>
    problem(cause, retryAfter),
};

/** What any operation that takes a JSON body may answer about that body. */
export const bodyErrors = {
  '400': errors.badRequest(),
  '413': errors.tooLarge(),
  '415': errors.unsupported(),
};
