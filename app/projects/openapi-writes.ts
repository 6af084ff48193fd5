/** The project writes in /openapi.json: signed in, and a project's creator or an admin. */
import { Type } from '@sinclair/typebox';
import { bearerAuth, jsonContent, problem, schemaRef, type Operation } from '../openapi/common.js';
import { errors, retryAfter } from '../openapi/problems.js';
import { etag, idParam, project, TAG } from './openapi-reads.js';
import { IdempotencyKeyHeader } from './schema.js';

const writeErrors = {
  '400': errors.badRequest(),
  '401': errors.unauthorized(),
  '413': errors.tooLarge(),
  '415': errors.unsupported(),
  '429': errors.rateLimited(),
  '503': errors.unavailable(),
};

export const createProject: Operation = {
  operationId: 'createProject',
  tags: [TAG],
  summary: 'Create a project',
  description:
    'With an Idempotency-Key, a retry with the same key and body (by the same user, ' +
    'within 24 h) returns the original 201 and project and creates nothing; a retry ' +
    'racing the first request waits up to 3 s for its answer.',
  security: bearerAuth,
  parameters: [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes a retry of this request safe: it creates at most one project',
      schema: IdempotencyKeyHeader,
      example: '3f1c8a52-6d1e-4b7a-9a0e-2c5d7e8f9a10',
    },
  ],
  requestBody: { required: true, content: jsonContent(schemaRef('NewProject')) },
  responses: {
    '201': {
      description: 'Created, or the stored answer to an earlier request with this key',
      headers: {
        Location: { description: 'The new project’s path', schema: Type.String() },
        ...etag,
        'Idempotent-Replayed': {
          description: 'Present when this is the stored answer to an earlier request',
          schema: Type.Literal('true'),
        },
      },
      content: project,
    },
    ...writeErrors,
    '400': errors.badRequest('Invalid body or Idempotency-Key'),
    '409': problem('A request with this Idempotency-Key is still in progress', retryAfter),
    '422': problem('This Idempotency-Key was used with a different body'),
  },
};

export const updateProject: Operation = {
  operationId: 'updateProject',
  tags: [TAG],
  summary: 'Change a project (its creator or an admin)',
  description:
    'Changes only the fields sent. With If-Match, the change happens only if the ' +
    'project is still at that ETag, else 412: no lost updates between two editors.',
  security: bearerAuth,
  parameters: [
    idParam,
    {
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The ETag the change is based on',
      schema: Type.String(),
    },
  ],
  requestBody: { required: true, content: jsonContent(schemaRef('ProjectChanges')) },
  responses: {
    '200': { description: 'The changed project', headers: etag, content: project },
    ...writeErrors,
    '403': errors.forbidden(),
    '404': problem('No such project'),
    '412': problem('The project changed since the If-Match ETag'),
  },
};

export const deleteProject: Operation = {
  operationId: 'deleteProject',
  tags: [TAG],
  summary: 'Delete a project (its creator or an admin)',
  description: 'Deleting is final; reads of the project answer 404 from then on.',
  security: bearerAuth,
  parameters: [idParam],
  responses: {
    '204': { description: 'Deleted' },
    '400': errors.badRequest('The id is not 24 hex characters'),
    '401': errors.unauthorized(),
    '403': errors.forbidden(),
    '404': problem('No such project'),
    '429': errors.rateLimited(),
    '503': errors.unavailable(),
  },
};
