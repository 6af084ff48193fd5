import { Type } from '@sinclair/typebox';
import { bearerAuth, jsonContent, problem, schemaRef, type ApiSection } from '../openapi/common.js';
import { errors, retryAfter } from '../openapi/problems.js';
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

const TAG = 'projects';

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The project id',
  schema: ProjectIdParam,
  example: '665f1c2e9b1d4a3f8c7e6d5a',
};
const xCache = {
  'X-Cache': {
    description: 'HIT from a replica’s cache, MISS from MongoDB, STALE when MongoDB is down',
    schema: Type.String({ enum: ['HIT', 'MISS', 'STALE'] }),
  },
};
const etag = {
  ETag: {
    description: 'The project’s version; send it back in If-None-Match or If-Match',
    schema: Type.String(),
  },
};
const project = jsonContent(schemaRef('Project'));
const readErrors = {
  '400': errors.badRequest('A malformed id, or a query parameter that breaks its rules'),
  '429': errors.rateLimited(
    'Too many requests from this address, or more of its list pages and stats at once than its share; retry after Retry-After seconds',
  ),
  '503': errors.unavailable(
    'MongoDB is unavailable and nothing is cached, or too many uncached list queries are running',
  ),
};
const writeErrors = {
  '400': errors.badRequest(),
  '401': errors.unauthorized(),
  '413': errors.tooLarge(),
  '415': errors.unsupported(),
  '429': errors.rateLimited(),
  '503': errors.unavailable(),
};

const queryParams = Object.entries(ListProjectsQuery.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  description: schema.description ?? `Filter or page by ${name}`,
  schema,
}));

export const projectsApi: ApiSection = {
  tag: {
    name: TAG,
    description:
      'Construction projects. Anyone reads (cached, with ETags); signed-in users create, ' +
      'and a project’s creator or an admin changes or deletes it.',
  },
  schemas: {
    Project: ProjectSchema,
    NewProject: CreateProjectBody,
    ProjectChanges: PatchProjectBody,
    ProjectPage: ProjectPageSchema,
    ProjectStats: ProjectStatsSchema,
  },
  paths: {
    '/projects': {
      get: {
        operationId: 'listProjects',
        tags: [TAG],
        summary: 'List projects, filtered, sorted and paged by cursor',
        description:
          'Filters combine. Pages are stable under concurrent writes: pass the nextCursor ' +
          'of one page as `cursor` (with the same filters and sort) for the next.',
        parameters: queryParams,
        responses: {
          '200': {
            description: 'A page',
            headers: xCache,
            content: jsonContent(schemaRef('ProjectPage')),
          },
          ...readErrors,
          '400': errors.badRequest('Invalid query, or a cursor from another query'),
        },
      },
      post: {
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
      },
    },
    '/projects/stats': {
      get: {
        operationId: 'getProjectStats',
        tags: [TAG],
        summary: 'Counts and budget sums per status',
        description: 'Budgets are summed in integer cents, so the totals are exact.',
        responses: {
          '200': {
            description: 'Stats',
            headers: xCache,
            content: jsonContent(schemaRef('ProjectStats')),
          },
          ...readErrors,
        },
      },
    },
    '/projects/{id}': {
      get: {
        operationId: 'getProject',
        tags: [TAG],
        summary: 'One project',
        description:
          'Answers with an ETag; sent back in If-None-Match, an unchanged project is a ' +
          '304 with no body.',
        parameters: [
          idParam,
          {
            name: 'If-None-Match',
            in: 'header',
            required: false,
            description: 'The ETag of the copy you hold',
            schema: Type.String(),
          },
        ],
        responses: {
          '200': { description: 'The project', headers: { ...xCache, ...etag }, content: project },
          '304': { description: 'Not modified: the copy you hold is current', headers: etag },
          ...readErrors,
          '400': errors.badRequest('The id is not 24 hex characters'),
          '404': problem('No such project'),
        },
      },
      patch: {
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
      },
      delete: {
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
      },
    },
  },
};
