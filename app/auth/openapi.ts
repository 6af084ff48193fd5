import { Type } from '@sinclair/typebox';
import { bearerAuth, jsonContent, problem, type Operation, type Paths } from '../openapi/common.js';
import {
  ChangePasswordBody,
  LoginBody,
  LoginResponse,
  RegisterBody,
  UserId,
  UserResponse,
} from './schema.js';

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

function withBody(
  operation: Operation,
  schema: typeof RegisterBody | typeof LoginBody | typeof ChangePasswordBody,
): Operation {
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
          'An unknown username and a wrong password get the same 401. Every attempt is ' +
          'counted as a failure before the password is checked (and forgiven when it is ' +
          'right): ten failures for one username from one address lock that pair for 15 ' +
          'minutes; past ten failures a day for one username from any addresses, each ' +
          'attempt waits a pause doubling from 1 s to 5 minutes; twenty failures in ten ' +
          'minutes from one address pause that address. All of these answer 429 with Retry-After.',
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
  '/auth/password': {
    post: withBody(
      {
        operationId: 'changePassword',
        tags: ['auth'],
        summary: 'Change the password of the signed-in user',
        description:
          'Needs the current password, counted like a login attempt. On success every ' +
          'other session of the user ends at once, on every replica; the session of this ' +
          'bearer token stays valid.',
        security: bearerAuth,
        responses: {
          '204': { description: 'Changed; every other session has ended' },
          '400': responses.badRequest,
          '401': responses.unauthorized,
          '403': problem('The current password is wrong'),
          '413': responses.tooLarge,
          '415': responses.unsupported,
          '429': responses.rateLimited,
          '503': responses.unavailable,
        },
      },
      ChangePasswordBody,
    ),
  },
  '/auth/users/{id}/sessions': {
    delete: {
      operationId: 'endUserSessions',
      tags: ['auth'],
      summary: 'End every session of a user (admin only)',
      description:
        'Every token of the user stops working at once, on every replica, including ' +
        "the caller's own when an admin ends their own sessions.",
      security: bearerAuth,
      parameters: [{ name: 'id', in: 'path', required: true, schema: UserId }],
      responses: {
        '204': { description: 'Every session of the user has ended' },
        '400': problem('The id is not 24 lowercase hex characters'),
        '401': responses.unauthorized,
        '403': problem('The caller is not an admin'),
        '404': problem('No user has this id'),
        '503': responses.unavailable,
      },
    },
  },
};
