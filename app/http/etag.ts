import { PreconditionFailedError, ValidationError } from '../errors/app-errors.js';

/** A resource's ETag is its version: it changes exactly when the resource does. */
export function etagFor(version: number): string {
  return `"${version}"`;
}

/** If-None-Match matches (weakly, as RFC 9110 asks for GET) when any listed tag does. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * The version named by an If-Match header, or undefined when there is none. Only a
 * single tag of ours is meaningful for a PATCH; anything else is a 412 or 400.
 * A weak W/"n" is accepted as n: our tag names the stored version, and nginx marks it
 * weak whenever it gzips the response, so clients behind nginx only ever see W/"n".
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (match?.[1] !== undefined) return Number(match[1]);
  if (/^\s*(W\/)?"[^"]*"\s*(,\s*(W\/)?"[^"]*"\s*)*$/.test(header))
    throw new PreconditionFailedError();
  throw new ValidationError('If-Match: must be an ETag this API issued', [
    { path: 'header.If-Match', message: 'must be an ETag this API issued' },
  ]);
}
