import { Type } from '@sinclair/typebox';
import { bearerAuth, jsonContent, problem, type Operation, type Paths } from '../openapi/common.js';
import { LoginBody, LoginResponse, RegisterBody, UserResponse } from './schema.js';

/** Retry-After in whole seconds, on every 429 and 503. */
const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: Type.Integer({ minimum: 1 }),
  },
};

const responses = {
  badRequest: problem(
    'Malformed JSON, a body that is not an object, or a field that breaks its rules',
  ),
  unauthorized: {
    ...problem('Missing, malformed, expired or signed-out bearer token'),
    headers: { 'WWW-Authenticate': { schema: Type.String() } },
  },
  tooLarge: problem('The body is larger than 64 KiB'),
  unsupported: problem('The body is not application/json'),
  rateLimited: {
    ...problem('Too many attempts; retry after Retry-After seconds'),
    headers: retryAfter,
  },
  unavailable: {
    ...problem('A dependency (MongoDB or Redis) is unavailable; retry shortly'),
    headers: retryAfter,
  },
};

function withBody(operation: Operation, schema: typeof RegisterBody | typeof LoginBody): Operation {
  return { ...operation, requestBody: { required: true, content: jsonContent(schema) } };
}

export const authPaths: Paths = {
  '/auth/register': {
    post: withBody(
      {
        operationId: 'register',
        tags: ['auth'],
        summary: 'Create a member account',
        responses: {
          '201': { description: 'The new user', content: jsonContent(UserResponse) },
          '400': responses.badRequest,
          '409': problem('The username is taken'),
          '413': responses.tooLarge,
          '415': responses.unsupported,
          '429': responses.rateLimited,
          '503': responses.unavailable,
        },
      },
      RegisterBody,
    ),
  },
  '/auth/login': {
    post: withBody(
      {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Exchange a username and password for a bearer token',
        description:
          'An unknown username and a wrong password get the same 401. Repeated failures ' +
          'for one username from one address, or many from one address, answer 429.',
        responses: {
          '200': {
            description: 'A token and when it expires',
            content: jsonContent(LoginResponse),
          },
          '400': responses.badRequest,
          '401': { ...responses.unauthorized, ...problem('The username or password is wrong') },
          '413': responses.tooLarge,
          '415': responses.unsupported,
          '429': responses.rateLimited,
          '503': responses.unavailable,
        },
      },
      LoginBody,
    ),
  },
  '/auth/logout': {
    post: {
      operationId: 'logout',
      tags: ['auth'],
      summary: 'End the session of this bearer token, on every replica at once',
      security: bearerAuth,
      responses: {
        '204': { description: 'Signed out' },
        '401': responses.unauthorized,
        '503': responses.unavailable,
      },
    },
  },
  '/auth/me': {
    get: {
      operationId: 'me',
      tags: ['auth'],
      summary: 'The signed-in user',
      security: bearerAuth,
      responses: {
        '200': { description: 'The user behind the token', content: jsonContent(UserResponse) },
        '401': responses.unauthorized,
        '503': responses.unavailable,
      },
    },
  },
};
