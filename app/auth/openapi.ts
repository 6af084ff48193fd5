import {
  bearerAuth,
  jsonContent,
  problem,
  schemaRef,
  withBody,
  type ApiSection,
} from '../openapi/common.js';
import { bodyErrors, errors } from '../openapi/problems.js';
import { sessionPaths, TAG } from './openapi-sessions.js';
import {
  ChangePasswordBody,
  LoginBody,
  LoginResponse,
  RegisterBody,
  UserId,
  UserResponse,
} from './schema.js';

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
    PasswordChange: ChangePasswordBody,
    Session: LoginResponse,
    User: UserResponse,
  },
  paths: {
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
    ...sessionPaths,
    '/auth/users/{id}/sessions': {
      delete: {
        operationId: 'endUserSessions',
        tags: [TAG],
        summary: 'End every session of a user (admin only)',
        description:
          'Every token of the user stops working at once, on every replica, including ' +
          "the caller's own when an admin ends their own sessions.",
        security: bearerAuth,
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'The user id',
            schema: UserId,
            example: '665f1c2e9b1d4a3f8c7e6d5a',
          },
        ],
        responses: {
          '204': { description: 'Every session of the user has ended' },
          '400': errors.badRequest('The id is not 24 lowercase hex characters'),
          '401': errors.unauthorized(),
          '403': problem('The caller is not an admin'),
          '404': problem('No user has this id'),
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
  },
};
