import { expect } from 'chai';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  /** Sent as JSON unless it is already a string (then sent as is). */
  json?: unknown;
  headers?: Record<string, string>;
}

/**
 * One real HTTP request; the body is parsed as JSON when the response says JSON.
 * Tests read replies field by field, so the default body type is `any`.
 */
export async function call<T = any>(
  base: string,
  path: string,
  options: RequestOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, {
    method: options.method ?? 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: (isJson && text ? JSON.parse(text) : text) as T,
  };
}

/** Asserts a problem+json response with the given status, and returns its body. */
export function expectProblem(
  reply: Reply,
  status: number,
): { detail: string; errors?: { path: string; message: string }[] } {
  expect(reply.status, JSON.stringify(reply.body)).to.equal(status);
  expect(reply.headers.get('content-type')).to.match(/^application\/problem\+json/);
  const body = reply.body as Record<string, unknown>;
  expect(body).to.include({ status });
  expect(body.type).to.be.a('string');
  expect(body.title).to.be.a('string');
  expect(body.detail).to.be.a('string');
  expect(JSON.stringify(body)).not.to.match(
    /\bat .*\.(ts|js):\d+|Mongo[A-Za-z]*Error|127\.0\.0\.1/,
  );
  return body as { detail: string; errors?: { path: string; message: string }[] };
}
