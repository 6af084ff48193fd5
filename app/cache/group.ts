import { LRUCache } from 'lru-cache';
import type { Read } from './read.js';
import type { CacheContext } from './context.js';
import { entrySize, makeEntry, type Entry } from './entry.js';
import { fetchThrough } from './fetch.js';
import type { Location } from './keys.js';

/** How a group finds an entry in Redis and reads it from MongoDB. */
export interface GroupSource<A, T> {
  locate(key: string, arg: A): Location;
  load(arg: A): Promise<T>;
}

export interface GroupOptions {
  /** This group's share of L1, in bytes (entry.ts entrySize). */
  maxBytes: number;
  /**
   * 'first-miss' stores every miss in Redis. 'second-miss' stores a key only when it is
   * missed again within CACHE_ADMIT_WINDOW_MS: for keys a client can mint without end
   * (list queries), so that a scan of one-off keys cannot push the hot set out of Redis.
   */
  admission: 'first-miss' | 'second-miss';
}

export interface Group<A, T> {
  get(key: string, arg: A): Promise<Read<T>>;
  /**
   * The entry an L1 hit would answer with, counted as one, or undefined (counted as
   * nothing) when get() would have to fetch or `accept` turns it down. Synchronous,
   * for the fast path.
   */
  peek(key: string, accept?: (value: T) => boolean): Entry<T> | undefined;
  /** Forgets one key: its L1 entry, and any read of it already under way. */
  evict(key: string): void;
  clear(): void;
  /**
   * Trust lost (an invalidation may have been missed): no entry is fresh any more, but
   * each stays, within the grace period, for stale-if-error, and reads under way stay
   * out of L1.
   */
  suspect(): void;
}

interface Flight<T> {
  promise: Promise<Read<T>>;
  /** Set when a write lands while the read is under way: its result stays out of L1. */
  invalidated: boolean;
}

/**
 * L1 and single flight for one kind of read (projects, list pages, stats). Concurrent
 * misses of a key on this replica share one fetch. A write detaches the fetch in
 * flight, so requests arriving after the write start a new one instead of joining a
 * read that may predate it, and marks it so its result never enters L1.
 */
export function createGroup<A, T>(
  ctx: CacheContext,
  source: GroupSource<A, T>,
  options: GroupOptions,
): Group<A, T> {
  const { l1TtlMs, graceMs } = ctx.settings;
  const admitWindowMs = options.admission === 'second-miss' ? ctx.settings.admitWindowMs : 0;
  // Entries stay for the grace period past their freshness, for stale-if-error.
  const l1 = new LRUCache<string, Entry<T>>({
    maxSize: Math.max(1, options.maxBytes),
    sizeCalculation: entrySize,
    ttl: l1TtlMs + graceMs,
  });
  const flights = new Map<string, Flight<T>>();
  // Bumped by clear(): a fetch begun before a clear must not fill L1 after it.
  let generation = 0;

  const start = (key: string, arg: A, stale: Entry<T> | undefined): Flight<T> => {
    const mark = { invalidated: false };
    const began = generation;
    const where = source.locate(key, arg);
    const promise = fetchThrough(ctx, where, () => source.load(arg), stale, admitWindowMs)
      .then(({ read, freshForMs }) => {
        const keep = freshForMs > 0 && !mark.invalidated && began === generation;
        if (keep && ctx.l1Usable()) l1.set(key, makeEntry(read, freshForMs, Date.now()));
        return read;
      })
      .finally(() => {
        if (flights.get(key) === flight) flights.delete(key);
      });
    const flight: Flight<T> = Object.assign(mark, { promise });
    flights.set(key, flight);
    return flight;
  };

  const detachFlights = () => {
    generation += 1;
    for (const flight of flights.values()) flight.invalidated = true;
    flights.clear();
  };

  const fresh = (key: string, accept?: (value: T) => boolean): Entry<T> | undefined => {
    const cached = ctx.l1Usable() ? l1.get(key) : undefined;
    if (cached === undefined || cached.freshUntil <= Date.now()) return undefined;
    if (accept && !accept(cached.value)) return undefined;
    ctx.count('l1', 'hit');
    return cached;
  };

  return {
    get(key, arg) {
      const hit = fresh(key);
      if (hit) return hit.hit;
      ctx.count('l1', 'miss');
      // Past its freshness or suspect, the entry may still serve stale-if-error.
      return (flights.get(key) ?? start(key, arg, l1.get(key))).promise;
    },
    peek: fresh,
    evict(key) {
      l1.delete(key);
      const flight = flights.get(key);
      if (flight) flight.invalidated = true;
      flights.delete(key);
    },
    clear() {
      detachFlights();
      l1.clear();
    },
    suspect() {
      detachFlights();
      for (const entry of l1.values()) entry.freshUntil = 0;
    },
  };
}
