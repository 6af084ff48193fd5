import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Building blocks for the OpenAPI document. Each capability describes its own routes
 * in its openapi.ts with the same TypeBox schemas its routes validate with, so the
 * document and the validation cannot drift apart.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details' },
);

export type Operation = Record<string, unknown>;
export type PathItem = Partial<Record<'get' | 'post' | 'patch' | 'delete', Operation>>;
export type Paths = Record<string, PathItem>;

export function jsonContent(schema: TSchema) {
  return { 'application/json': { schema } };
}

export function problem(description: string) {
  return { description, content: { 'application/problem+json': { schema: ProblemSchema } } };
}

export const bearerAuth = [{ bearerAuth: [] }];
