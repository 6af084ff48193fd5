import type { Read } from './read.js';

/** What the in-process tier keeps for one key. */
export interface Entry<T> {
  /**
   * The answer to an L1 hit, built once when the entry is stored: a hit then costs a
   * map lookup and a clock read, with no allocation, no serialization and no I/O.
   */
  hit: Promise<Read<T>>;
  value: T;
  /** The value's JSON, sent as the response body without re-serializing. */
  body: Buffer;
  /** Date.now() after which the entry is only good for stale-if-error (0: suspect). */
  freshUntil: number;
}

/** What the L2 tier or MongoDB produced for a key, and how long L1 may trust it. */
export interface Fetched<T> {
  read: Read<T>;
  /** 0 when L1 must not keep it (served stale, or read while Redis was bypassed). */
  freshForMs: number;
}

/** How L2 stores a value that does not exist (a negative entry). */
export const ABSENT = 'null';

/** L2 holds the value's JSON; a value that does not exist (undefined) is stored as `null`. */
export function encode(value: unknown): string {
  return JSON.stringify(value ?? null);
}

// T is whatever this key's group stored: L2 entries are written only by fill().
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function decode<T>(text: string): { value: T; body: Buffer } {
  const parsed = JSON.parse(text) as T | null;
  return { value: (parsed ?? undefined) as T, body: Buffer.from(text) };
}

export function readOf<T>(value: T, body: Buffer, cache: Read<T>['cache']): Read<T> {
  return { value, cache, body };
}

export function makeEntry<T>(read: Read<T>, freshForMs: number, now: number): Entry<T> {
  const body = read.body ?? Buffer.from(encode(read.value));
  return {
    hit: Promise.resolve(readOf(read.value, body, 'HIT')),
    value: read.value,
    body,
    freshUntil: now + freshForMs,
  };
}

/** Bytes an entry costs L1, counted twice over: the JSON and the parsed object beside it. */
export function entrySize(entry: Entry<unknown>): number {
  return entry.body.length * 2 + 64;
}
