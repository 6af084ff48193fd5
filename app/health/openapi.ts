import { Type } from '@sinclair/typebox';
import { jsonContent, type Paths } from '../openapi/common.js';

const DependencyState = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const Readiness = Type.Object({
  ready: Type.Boolean(),
  status: Type.String({ enum: ['ready', 'starting', 'draining', 'unavailable'] }),
  dependencies: Type.Object({ mongodb: DependencyState, redis: DependencyState }),
});

export const healthPaths: Paths = {
  '/version': {
    get: {
      summary: 'Build version and commit of the replica that answered',
      responses: {
        '200': {
          description: 'Version',
          content: jsonContent(Type.Object({ version: Type.String(), commit: Type.String() })),
        },
      },
    },
  },
  '/healthz': {
    get: {
      summary: 'Liveness (internal; not served by nginx)',
      responses: {
        '200': {
          description: 'Alive',
          content: jsonContent(Type.Object({ status: Type.Literal('alive') })),
        },
      },
    },
  },
  '/readyz': {
    get: {
      summary: 'Readiness with each dependency’s state (internal)',
      responses: {
        '200': { description: 'Ready', content: jsonContent(Readiness) },
        '503': {
          description: 'Not ready: starting, draining or MongoDB unreachable',
          content: jsonContent(Readiness),
        },
      },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (internal; not served by nginx)',
      responses: {
        '200': {
          description: 'Prometheus text',
          content: { 'text/plain': { schema: Type.String() } },
        },
      },
    },
  },
};
