/** Sign-in, sign-out and password change in /openapi.json. */
import { Type } from '@sinclair/typebox';
import {
  bearerAuth,
  jsonContent,
  problem,
  schemaRef,
  withBody,
  type Paths,
} from '../openapi/common.js';
import { bodyErrors, errors } from '../openapi/problems.js';

/** The auth routes' tag in /openapi.json. */
export const TAG = 'auth';

export const sessionPaths: Paths = {
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
};
