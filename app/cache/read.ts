export type CacheStatus = 'HIT' | 'MISS' | 'STALE';

/** A read result and where it came from, for the X-Cache header. */
export interface Read<T> {
  value: T;
  cache: CacheStatus;
  /**
   * `value` already serialized as JSON, when a cache keeps it that way: sending these
   * bytes spares a cache hit the JSON.stringify that is most of its cost.
   */
  body?: Buffer;
}
