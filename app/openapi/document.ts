import { securitySchemes, type ApiSection } from './common.js';
import { ProblemSchema } from './problems.js';

/**
 * The OpenAPI 3.1 document, assembled from each capability's own section (app.ts hands
 * them over, in the order /docs shows them). Its schemas are the TypeBox objects the
 * routes validate with; JSON.stringify drops TypeBox's symbol-keyed metadata, leaving
 * plain JSON Schema 2020-12.
 */
export function buildOpenApiDocument(version: string, sections: readonly ApiSection[]): string {
  return JSON.stringify({
    openapi: '3.1.0',
    info: {
      title: 'groundwork',
      version,
      description:
        'Construction projects: anyone reads, signed-in users write. Every error is ' +
        'application/problem+json (RFC 9457).',
      contact: { name: 'groundwork maintainers' },
    },
    // Relative: the document is right for whichever host serves it, nginx's public
    // name or a replica's own port.
    servers: [{ url: '/', description: 'The host that served this document' }],
    tags: sections.map((section) => section.tag),
    paths: Object.assign({}, ...sections.map((section) => section.paths)) as unknown,
    components: {
      schemas: Object.assign(
        { Problem: ProblemSchema },
        ...sections.map((section) => section.schemas),
      ) as unknown,
      securitySchemes,
    },
  });
}
