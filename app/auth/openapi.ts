import {
  bearerAuth,
  jsonContent,
  problem,
  schemaRef,
  type ApiSection,
  type Operation,
  type Paths,
} from '../openapi/common.js';
import { errors } from '../openapi/problems.js';
import { LoginBody, LoginResponse, RegisterBody, UserResponse } from './schema.js';

const TAG = 'auth';

function withBody(operation: Operation, schemaName: string): Operation {
  return {
    ...operation,
    requestBody: { required: true, content: jsonContent(schemaRef(schemaName)) },
  };
}

const bodyErrors = {
  '400': errors.badRequest(),
  '413': errors.tooLarge(),
  '415': errors.unsupported(),
};

export const authPaths: Paths = {
  '/auth/register': {
    post: withBody(
      {
        operationId: 'register',
        tags: [TAG],
        summary: 'Create a member account',
        description:
          'Anyone may register; the account gets the role `member`. Usernames are ' +
          'lower-case, so "Alice" and "alice" cannot both exist. Sign in afterwards ' +
          'with POST /auth/login.',
        responses: {
          '201': { description: 'The new user', content: jsonContent(schemaRef('User')) },
          ...bodyErrors,
          '409': problem('The username is taken'),
          '429': errors.rateLimited('Too many registrations from this address'),
          '503': errors.unavailable(),
        },
      },
      'Registration',
    ),
  },
  '/auth/login': {
    post: withBody(
      {
        operationId: 'login',
        tags: [TAG],
        summary: 'Exchange a username and password for a bearer token',
        description:
          'An unknown username and a wrong password get the same 401. Repeated failures ' +
          'for one username from one address, or many from one address, answer 429.',
        responses: {
          '200': {
            description: 'A token and when it expires',
            content: jsonContent(schemaRef('Session')),
          },
          ...bodyErrors,
          '401': errors.unauthorized('The username or password is wrong'),
          '429': errors.rateLimited('Too many failed sign-ins; retry after Retry-After seconds'),
          '503': errors.unavailable(),
        },
      },
      'Credentials',
    ),
  },
  '/auth/logout': {
    post: {
      operationId: 'logout',
      tags: [TAG],
      summary: 'End the session of this bearer token',
      description:
        'The token stops working at once on every replica; other sessions of the same ' +
        'user go on.',
      security: bearerAuth,
      responses: {
        '204': { description: 'Signed out' },
        '401': errors.unauthorized(),
        '503': errors.unavailable(),
      },
    },
  },
  '/auth/me': {
    get: {
      operationId: 'getCurrentUser',
      tags: [TAG],
      summary: 'The signed-in user',
      description: 'Who the bearer token belongs to, and their role.',
      security: bearerAuth,
      responses: {
        '200': {
          description: 'The user behind the token',
          content: jsonContent(schemaRef('User')),
        },
        '401': errors.unauthorized(),
        '503': errors.unavailable(),
      },
    },
  },
};

export const authApi: ApiSection = {
  tag: {
    name: TAG,
    description:
      'Accounts and sessions. Register, then sign in for an opaque bearer token that ' +
      'every write needs; signing out ends it on every replica at once.',
  },
  schemas: {
    Registration: RegisterBody,
    Credentials: LoginBody,
    Session: LoginResponse,
    User: UserResponse,
  },
  paths: authPaths,
};
