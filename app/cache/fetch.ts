import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors/app-errors.js';
import type { CacheContext } from './context.js';
import { isMongoUnavailable } from './db-gate.js';
import { ABSENT, decode, encode, readOf, type Entry, type Fetched } from './entry.js';
import type { Location } from './keys.js';
import type { Lookup, LookupOptions } from './l2-store.js';

/**
 * An L1 miss: Redis, then MongoDB under a lease. Of all the replicas missing one key at
 * once, the one that takes the lease reads MongoDB and fills Redis; the others poll
 * Redis briefly for that entry, and read MongoDB themselves only if the lease holder
 * has not delivered within CACHE_LEASE_MS (it may have died).
 */
export async function fetchThrough<T>(
  ctx: CacheContext,
  where: Location,
  load: () => Promise<T>,
  staleL1: Entry<T> | undefined,
  admitWindowMs = 0,
): Promise<Fetched<T>> {
  const found = ctx.breaker.isClosed ? await lookupOrWait(ctx, where, admitWindowMs) : undefined;
  if (!found) return direct(ctx, load, staleL1, 0);
  // A negative entry has no grace period: fresh as long as it is there.
  const freshAbove = found.data === ABSENT ? 0 : ctx.settings.graceMs;
  if (found.data !== null && found.ttlMs > freshAbove) {
    ctx.count('l2', 'hit');
    const { value, body } = decode<T>(found.data);
    const freshForMs = Math.min(ctx.settings.l1TtlMs, found.ttlMs - freshAbove);
    return { read: readOf(value, body, 'HIT'), freshForMs };
  }
  if (!found.admitted) {
    // Seen once: read it, keep it in L1 (which hears invalidations), not in Redis.
    ctx.count('l2', 'miss');
    return direct(ctx, load, staleL1, ctx.settings.l1TtlMs);
  }
  if (found.data !== null && !found.leased) {
    // Past its TTL and another replica is refreshing it: nothing newer exists yet.
    ctx.count('l2', 'stale');
    return stale(decode<T>(found.data));
  }
  ctx.count('l2', 'miss');
  return fill(ctx, found, load, staleL1);
}

async function lookupOrWait(
  ctx: CacheContext,
  where: Location,
  admitWindowMs: number,
): Promise<Lookup | undefined> {
  const deadline = Date.now() + ctx.settings.leaseMs;
  const options = { graceMs: ctx.settings.graceMs, admitWindowMs };
  let found = await lookup(ctx, where, options);
  for (let attempt = 0; found && mustWait(found) && Date.now() < deadline; attempt += 1) {
    await sleep(Math.min(2 ** attempt, 25));
    found = ctx.breaker.isClosed ? await lookup(ctx, where, options) : undefined;
  }
  return found;
}

/** Someone else holds the lease and there is nothing, not even stale, to serve. */
function mustWait(found: Lookup): boolean {
  return found.admitted && !found.leased && found.data === null;
}

async function lookup(
  ctx: CacheContext,
  where: Location,
  options: LookupOptions,
): Promise<Lookup | undefined> {
  try {
    const found = await ctx.l2.lookup(ctx.epoch(), where, options);
    ctx.breaker.success();
    return found;
  } catch {
    ctx.count('l2', 'error');
    ctx.breaker.failure();
    return undefined;
  }
}

/**
 * Reads MongoDB and stores the result under the token `found` was read with. If a write
 * replaced that token meanwhile, the entry lands under a key nobody looks up any more:
 * a slow reader can never put an old version back (the "no stale set" guarantee).
 */
async function fill<T>(
  ctx: CacheContext,
  found: Lookup,
  load: () => Promise<T>,
  staleL1: Entry<T> | undefined,
): Promise<Fetched<T>> {
  let value: T;
  try {
    value = await ctx.db.run(load);
  } catch (err) {
    if (found.leased) void ctx.l2.release(found.key).catch(() => undefined);
    return staleIfError(ctx, err, found.data, staleL1);
  }
  const payload = encode(value);
  const ttlMs = l2TtlOf(ctx, payload);
  ctx.l2.fill(found, payload, ttlMs).catch(() => {
    ctx.count('l2', 'error');
    ctx.breaker.failure();
  });
  const freshForMs = Math.min(ctx.settings.l1TtlMs, ttlMs);
  return { read: readOf(value, Buffer.from(payload), 'MISS'), freshForMs };
}

/**
 * Jitter spreads the expiry of entries cached together; the grace period rides on top
 * so an expired entry is still there to serve if MongoDB fails. A negative entry (what
 * a flood of unknown ids makes) lives briefly and without grace.
 */
function l2TtlOf(ctx: CacheContext, payload: string): number {
  const { l2TtlMs, l2JitterMs, graceMs, negativeTtlMs } = ctx.settings;
  if (payload === ABSENT) return negativeTtlMs;
  return l2TtlMs + Math.random() * l2JitterMs + graceMs;
}

/**
 * Straight to MongoDB, nothing stored in Redis: Redis bypassed (then L1 must not keep
 * the result either, `freshForMs` 0) or the key not admitted. If MongoDB fails too,
 * what L1 still holds (suspect since Redis went) is all there is to serve.
 */
async function direct<T>(
  ctx: CacheContext,
  load: () => Promise<T>,
  staleL1: Entry<T> | undefined,
  freshForMs: number,
): Promise<Fetched<T>> {
  let value: T;
  try {
    value = await ctx.db.run(load);
  } catch (err) {
    return staleIfError(ctx, err, null, staleL1);
  }
  return { read: readOf(value, Buffer.from(encode(value)), 'MISS'), freshForMs };
}

function staleIfError<T>(
  ctx: CacheContext,
  err: unknown,
  l2Data: string | null,
  staleL1: Entry<T> | undefined,
): Fetched<T> {
  if (!isMongoUnavailable(err)) throw err;
  // Both copies are within the grace period: each tier drops its entries after it.
  if (l2Data !== null) {
    ctx.count('l2', 'stale');
    return stale(decode<T>(l2Data));
  }
  if (staleL1) {
    ctx.count('l1', 'stale');
    return stale(staleL1);
  }
  throw err instanceof UnavailableError ? err : new UnavailableError();
}

function stale<T>({ value, body }: { value: T; body: Buffer }): Fetched<T> {
  return { read: readOf(value, body, 'STALE'), freshForMs: 0 };
}
