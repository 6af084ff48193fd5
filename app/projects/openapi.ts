import { Type } from '@sinclair/typebox';
import { bearerAuth, jsonContent, problem, type Paths } from '../openapi/common.js';
import {
  CreateProjectBody,
  IdempotencyKeyHeader,
  ListProjectsQuery,
  PatchProjectBody,
  ProjectIdParam,
  ProjectPageSchema,
  ProjectSchema,
  ProjectStatsSchema,
} from './schema.js';

const idParam = { name: 'id', in: 'path', required: true, schema: ProjectIdParam };
const xCache = { 'X-Cache': { schema: Type.String({ enum: ['HIT', 'MISS', 'STALE'] }) } };
const etag = { ETag: { schema: Type.String() } };
const readErrors = {
  '400': problem('Invalid query or id'),
  '429': problem('Rate limited'),
  '503': problem('MongoDB unavailable and nothing cached, or too many uncached list queries'),
};
const writeErrors = {
  '400': problem('Invalid body'),
  '401': problem('Missing or invalid token'),
  '413': problem('Body too large'),
  '415': problem('Body is not JSON'),
  '429': problem('Rate limited'),
  '503': problem('A dependency is unavailable'),
};

const queryParams = Object.entries(ListProjectsQuery.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  schema,
}));

export const projectsPaths: Paths = {
  '/projects': {
    get: {
      summary: 'List projects, filtered, sorted and paged by cursor',
      parameters: queryParams,
      responses: {
        '200': { description: 'A page', headers: xCache, content: jsonContent(ProjectPageSchema) },
        ...readErrors,
      },
    },
    post: {
      summary: 'Create a project',
      description:
        'With an Idempotency-Key, a retry with the same key and body (by the same user, ' +
        'within 24 h) returns the original 201 and project and creates nothing; a retry ' +
        'racing the first request waits up to 3 s for its answer.',
      security: bearerAuth,
      parameters: [
        { name: 'Idempotency-Key', in: 'header', required: false, schema: IdempotencyKeyHeader },
      ],
      requestBody: { required: true, content: jsonContent(CreateProjectBody) },
      responses: {
        '201': {
          description: 'Created, or the stored answer to an earlier request with this key',
          headers: {
            Location: { schema: Type.String() },
            ...etag,
            'Idempotent-Replayed': {
              description: 'Present when this is the stored answer to an earlier request',
              schema: Type.Literal('true'),
            },
          },
          content: jsonContent(ProjectSchema),
        },
        ...writeErrors,
        '400': problem('Invalid body or Idempotency-Key'),
        '409': {
          ...problem('A request with this Idempotency-Key is still in progress'),
          headers: { 'Retry-After': { schema: Type.Integer({ minimum: 1 }) } },
        },
        '422': problem('This Idempotency-Key was used with a different body'),
      },
    },
  },
  '/projects/stats': {
    get: {
      summary: 'Counts and budget sums per status',
      responses: {
        '200': { description: 'Stats', headers: xCache, content: jsonContent(ProjectStatsSchema) },
        ...readErrors,
      },
    },
  },
  '/projects/{id}': {
    get: {
      summary: 'One project',
      parameters: [
        idParam,
        { name: 'If-None-Match', in: 'header', required: false, schema: Type.String() },
      ],
      responses: {
        '200': {
          description: 'The project',
          headers: { ...xCache, ...etag },
          content: jsonContent(ProjectSchema),
        },
        '304': { description: 'Not modified' },
        '404': problem('No such project'),
        ...readErrors,
      },
    },
    patch: {
      summary: 'Change a project (its creator or an admin)',
      security: bearerAuth,
      parameters: [
        idParam,
        { name: 'If-Match', in: 'header', required: false, schema: Type.String() },
      ],
      requestBody: { required: true, content: jsonContent(PatchProjectBody) },
      responses: {
        '200': {
          description: 'The changed project',
          headers: etag,
          content: jsonContent(ProjectSchema),
        },
        '403': problem('Not the creator or an admin'),
        '404': problem('No such project'),
        '412': problem('The project changed since the If-Match ETag'),
        ...writeErrors,
      },
    },
    delete: {
      summary: 'Delete a project (its creator or an admin)',
      security: bearerAuth,
      parameters: [idParam],
      responses: {
        '204': { description: 'Deleted' },
        '400': problem('Invalid id'),
        '401': problem('Missing or invalid token'),
        '403': problem('Not the creator or an admin'),
        '404': problem('No such project'),
        '429': problem('Rate limited'),
        '503': problem('A dependency is unavailable'),
      },
    },
  },
};
