import { authPaths } from '../auth/openapi.js';
import { healthPaths } from '../health/openapi.js';
import { projectsPaths } from '../projects/openapi.js';

/**
 * The OpenAPI 3.1 document, assembled from each capability's own description. Its
 * schemas are the TypeBox objects the routes validate with; JSON.stringify drops
 * TypeBox's symbol-keyed metadata, leaving plain JSON Schema 2020-12.
 */
export function buildOpenApiDocument(version: string): string {
  return JSON.stringify({
    openapi: '3.1.0',
    info: {
      title: 'groundwork',
      version,
      description: 'Construction projects: anyone reads, signed-in users write.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
    },
    paths: { ...projectsPaths, ...authPaths, ...healthPaths },
  });
}
