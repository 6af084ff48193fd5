import { Type } from '@sinclair/typebox';
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
import {
  ChangePasswordBody,
  LoginBody,
  LoginResponse,
  RegisterBody,
  UserId,
  UserResponse,
} from './schema.js';

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
          'An unknown username and a wrong password get the same 401. Every attempt is ' +
          'counted as a failure before the password is checked (and forgiven when it is ' +
          'right): ten failures for one username from one address lock that pair for 15 ' +
          'minutes; past ten failures a day for one username from any addresses, each ' +
          'attempt waits a pause doubling from 1 s to 5 minutes; twenty failures in ten ' +
          'minutes from one address pause that address. All of these answer 429 with Retry-After. ' +
          'A successful sign-in sets the gw_device cookie; a client that keeps it and sends it with ' +
          'later sign-ins to this account is not held by the per-account pause that guessers set off ' +
          '(its own device may fail ten times an hour).',
        parameters: [
          {
            name: 'gw_device',
            in: 'cookie',
            required: false,
            description:
              'The device cookie an earlier successful sign-in to this account set; anything else is ignored',
            schema: Type.String(),
          },
        ],
        responses: {
          '200': {
            description: 'A token and when it expires',
            headers: {
              'Set-Cookie': {
                description:
                  'gw_device: this device, signed for this account (HttpOnly, SameSite=Strict, Path=/auth, a month)',
                schema: Type.String(),
              },
            },
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
  '/auth/password': {
    post: withBody(
      {
        operationId: 'changePassword',
        tags: [TAG],
        summary: 'Change the password of the signed-in user',
        description:
          'Needs the current password, counted like a login attempt. On success every ' +
          'other session of the user ends at once, on every replica; the session of this ' +
          'bearer token stays valid.',
        security: bearerAuth,
        responses: {
          '204': { description: 'Changed; every other session has ended' },
          ...bodyErrors,
          '401': errors.unauthorized(),
          '403': problem('The current password is wrong'),
          '429': errors.rateLimited('Too many failed attempts; retry after Retry-After seconds'),
          '503': errors.unavailable(),
        },
      },
      'PasswordChange',
    ),
  },
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
    PasswordChange: ChangePasswordBody,
    Session: LoginResponse,
    User: UserResponse,
  },
  paths: authPaths,
};
