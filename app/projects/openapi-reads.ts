/** The project reads in /openapi.json (anyone, cached), and the parts the writes share. */
import { Type } from '@sinclair/typebox';
import { jsonContent, problem, schemaRef, type Operation } from '../openapi/common.js';
import { errors } from '../openapi/problems.js';
import { ListProjectsQuery, ProjectIdParam } from './schema.js';

export const TAG = 'projects';

export const idParam = {
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
export const etag = {
  ETag: {
    description: 'The project’s version; send it back in If-None-Match or If-Match',
    schema: Type.String(),
  },
};
export const project = jsonContent(schemaRef('Project'));
const readErrors = {
  '400': errors.badRequest('A malformed id, or a query parameter that breaks its rules'),
  '429': errors.rateLimited(
    'Too many requests from this address, or more of its list pages and stats at once than its share; retry after Retry-After seconds',
  ),
  '503': errors.unavailable(
    'MongoDB is unavailable and nothing is cached, or too many uncached list queries are running',
  ),
};

const queryParams = Object.entries(ListProjectsQuery.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  description: schema.description ?? `Filter or page by ${name}`,
  schema,
}));

export const listProjects: Operation = {
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
};

export const getProjectStats: Operation = {
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
};

export const getProject: Operation = {
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
};
