import { ValidationError } from '../errors/app-errors.js';
import type { Sort } from './schema.js';

/**
 * Keyset pagination: a cursor names the last item of a page by its sort value and id,
 * and the next page starts strictly after that pair. Unlike skip/offset, inserts and
 * deletes elsewhere in the list cannot make a page skip or repeat an item.
 * The cursor is base64url JSON: opaque to clients, and checked field by field when
 * it comes back, since clients can send anything.
 */
export interface CursorPosition {
  sort: Sort;
  /** Sort value of the last item: epoch ms, integer cents, or lower-cased name. */
  value: number | string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.value, position.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string, sort: Sort): CursorPosition {
  const decoded = parse(cursor);
  if (!Array.isArray(decoded) || decoded.length !== 3) throw badCursor();
  const [cursorSort, value, id] = decoded as unknown[];
  if (cursorSort !== sort) throw badCursor('it was made for another sort');
  if (typeof id !== 'string' || !/^[0-9a-f]{24}$/.test(id)) throw badCursor();
  if (!valueFits(sort, value)) throw badCursor();
  return { sort, value: value as number | string, id };
}

function valueFits(sort: Sort, value: unknown): boolean {
  if (sort === 'name') return typeof value === 'string' && value.length <= 800;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parse(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
}

function badCursor(reason = 'it is not a cursor this API issued'): ValidationError {
  const message = `is invalid: ${reason}`;
  return new ValidationError(`query.cursor: ${message}`, [{ path: 'query.cursor', message }]);
}
