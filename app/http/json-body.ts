import type { Context, Middleware, Next } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { AppError, ValidationError } from '../errors/app-errors.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

const parse = koaBody({
  json: true,
  jsonStrict: true,
  jsonLimit: BODY_LIMIT_BYTES,
  urlencoded: false,
  text: false,
  multipart: false,
  parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH],
});

/**
 * JSON request bodies only. A body of another type is a 415 (rather than silently
 * ignored), an unparseable one a 400, an oversized one a 413 — each as problem+json.
 * co-body's errors carry a status but are not marked exposable, so they are
 * translated here instead of leaking as 500s.
 */
export function jsonBody(): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!ctx.is('application/json')) {
      throw new AppError(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the request body as application/json',
      );
    }
    try {
      await parse(ctx, () => Promise.resolve());
    } catch (err) {
      throw translate(err);
    }
    await next();
  };
}

function translate(err: unknown): unknown {
  const { status, type } = err as { status?: number; type?: string };
  if (status === 413 || type === 'entity.too.large') {
    return new AppError(
      413,
      'payload-too-large',
      'Payload too large',
      `The body may be at most ${BODY_LIMIT_BYTES} bytes`,
    );
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError(415, 'unsupported-media-type', 'Unsupported media type', 'Send UTF-8 JSON');
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ValidationError('The body is not valid JSON (an object is expected)');
  }
  return err;
}
