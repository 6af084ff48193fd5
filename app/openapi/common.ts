import type { TSchema } from '@sinclair/typebox';

/**
 * Building blocks for the OpenAPI document. Each capability describes its own routes
 * in its openapi.ts with the same TypeBox schemas its routes validate with, so the
 * document and the validation cannot drift apart.
 */

export interface Tag {
  name: string;
  description: string;
}

export type Response = Record<string, unknown> & { description: string };

/**
 * What every operation carries, so a client generator gets a stable method name
 * (operationId, camelCase verb + noun) and /docs a named group (one defined tag).
 * Spectral (tests/integration/api/spectral.test.ts) checks the same on the document.
 */
export interface Operation {
  operationId: string;
  tags: [string];
  summary: string;
  description: string;
  security?: typeof bearerAuth;
  parameters?: Record<string, unknown>[];
  requestBody?: { required: boolean; content: ReturnType<typeof jsonContent> };
  responses: Record<string, Response>;
}

export type PathItem = Partial<Record<'get' | 'post' | 'patch' | 'delete', Operation>>;
export type Paths = Record<string, PathItem>;

/** One capability's share of the document: its tag, named schemas and routes. */
export interface ApiSection {
  tag: Tag;
  schemas: Record<string, TSchema>;
  paths: Paths;
}

/** A reference to a schema published under components.schemas by some section. */
export function schemaRef(name: string) {
  return { $ref: `#/components/schemas/${name}` };
}

/** An operation that takes a JSON body, described by the named schema. */
export function withBody(operation: Operation, schemaName: string): Operation {
  return {
    ...operation,
    requestBody: { required: true, content: jsonContent(schemaRef(schemaName)) },
  };
}

export function jsonContent(schema: TSchema | ReturnType<typeof schemaRef>) {
  return { 'application/json': { schema } };
}

/** An error answer: application/problem+json, shaped by the Problem schema (problems.ts). */
export function problem(description: string, headers?: Record<string, unknown>): Response {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/problem+json': { schema: schemaRef('Problem') } },
  };
}

/** Signed-in operations: `Authorization: Bearer <token>` from POST /auth/login. */
export const bearerAuth = [{ bearerAuth: [] as string[] }];

export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The opaque token from POST /auth/login, sent as `Authorization: Bearer <token>`. ' +
      'It ends at its expiresAt or at POST /auth/logout, on every replica at once.',
  },
};
