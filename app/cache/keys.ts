import { createHash } from 'node:crypto';

/**
 * Where an entry lives in Redis: under a family's guard token and the epoch (epoch.ts).
 * A write replaces the token, so every entry cached before it is unreachable at once.
 */
export interface Location {
  /** Entries a write invalidates together, e.g. one record, or every list page. */
  family: string;
  /** Distinguishes entries within a family (which list page); '' for a family of one. */
  suffix: string;
}

export const CHANNEL = 'gw:cache:invalidate';

export function guardKey(epoch: number, family: string): string {
  return `gw:c:${epoch}:g:${family}`;
}

/** The data key is this prefix, then the family's current token, then the suffix. */
export function dataPrefix(epoch: number, family: string): string {
  return `gw:c:${epoch}:d:${family}:`;
}

/** One key per distinct query, whatever order its parameters came in. */
export function queryHash(query: object): string {
  const entries = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha1').update(JSON.stringify(entries)).digest('base64url');
}
