import type { Context } from 'koa';
import { ValidationError } from '../errors/app-errors.js';

/** The `:id` of a route's path, a MongoDB ObjectId in hex; a 400 naming path.id otherwise. */
export function pathId(ctx: Context): string {
  const id = (ctx.params as Record<string, string | undefined>).id ?? '';
  if (!/^[0-9a-f]{24}$/.test(id)) {
    throw new ValidationError('path.id: must be 24 lowercase hex characters', [
      { path: 'path.id', message: 'must be 24 lowercase hex characters' },
    ]);
  }
  return id;
}
