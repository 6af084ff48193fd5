import type { Context, Middleware, Next } from 'koa';
import { ValidationError } from '../errors/app-errors.js';

/**
 * C0 controls (NUL included) and DEL. Real MongoDB answers a NUL inside a regex with an
 * error (a 500 before this check), FerretDB accepts it; no parameter needs any of them.
 */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Refuses a query string whose parameter names or values hold control characters, with
 * a 400 naming the parameter, before any route (or database) sees it.
 */
export function rejectControlCharacters(): Middleware {
  return async (ctx: Context, next: Next) => {
    if (ctx.querystring !== '') {
      for (const [name, value] of Object.entries(ctx.query)) {
        const values = Array.isArray(value) ? value : [value ?? ''];
        if (hasControl(name) || values.some(hasControl)) throw refusal(name);
      }
    }
    await next();
  };
}

function refusal(name: string): ValidationError {
  // JSON.stringify shows the name's own control characters as escapes, never raw.
  const path = `query.${JSON.stringify(name).slice(1, -1)}`;
  const message = 'must not contain control characters';
  return new ValidationError(`${path}: ${message}`, [{ path, message }]);
}
