import { Type } from '@sinclair/typebox';
import { jsonContent, schemaRef, type ApiSection } from '../openapi/common.js';

const TAG = 'operations';

const DependencyState = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const Readiness = Type.Object(
  {
    ready: Type.Boolean(),
    status: Type.String({ enum: ['ready', 'starting', 'draining', 'unavailable'] }),
    dependencies: Type.Object({ mongodb: DependencyState, redis: DependencyState }),
  },
  {
    description: 'Whether this replica takes traffic, and the state of each dependency',
    examples: [{ ready: true, status: 'ready', dependencies: { mongodb: 'up', redis: 'up' } }],
  },
);
const Version = Type.Object(
  { version: Type.String(), commit: Type.String() },
  {
    description: 'The build a replica runs',
    examples: [{ version: '0.1.0', commit: '47a332c' }],
  },
);

export const healthApi: ApiSection = {
  tag: {
    name: TAG,
    description:
      'For operators: the build a replica runs, its liveness, readiness and metrics. ' +
      'nginx serves /version to the public; /healthz, /readyz and /metrics stay inside ' +
      'the stack.',
  },
  schemas: { Version, Readiness },
  paths: {
    '/version': {
      get: {
        operationId: 'getVersion',
        tags: [TAG],
        summary: 'Build version and commit of the replica that answered',
        description: 'Lets an operator watch a rolling update reach every replica.',
        responses: {
          '200': { description: 'Version', content: jsonContent(schemaRef('Version')) },
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'getLiveness',
        tags: [TAG],
        summary: 'Liveness (internal; not served by nginx)',
        description: 'Answers while the process runs, whatever its dependencies do.',
        responses: {
          '200': {
            description: 'Alive',
            content: jsonContent(
              Type.Object({ status: Type.Literal('alive') }, { examples: [{ status: 'alive' }] }),
            ),
          },
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        tags: [TAG],
        summary: 'Readiness with each dependency’s state (internal)',
        description:
          'Whether this replica should take traffic: 503 while starting, draining for ' +
          'shutdown, or with MongoDB unreachable; the body names each dependency’s state.',
        responses: {
          '200': { description: 'Ready', content: jsonContent(schemaRef('Readiness')) },
          '503': {
            description: 'Not ready: starting, draining or MongoDB unreachable',
            content: jsonContent(schemaRef('Readiness')),
          },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        tags: [TAG],
        summary: 'Prometheus metrics (internal; not served by nginx)',
        description:
          'Request durations, cache hits and misses per tier, rate-limit rejections and ' +
          'dependency health, in the Prometheus text format.',
        responses: {
          '200': {
            description: 'Prometheus text',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
  },
};
