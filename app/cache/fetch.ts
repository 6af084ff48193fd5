import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors/app-errors.js';
import type { CacheContext } from './context.js';
import { isMongoUnavailable } from './db-gate.js';
import { decode, encode, readOf, type Entry, type Fetched } from './entry.js';
import type { Location } from './keys.js';
import type { Lookup } from './l2-store.js';

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
): Promise<Fetched<T>> {
  const found = ctx.breaker.isClosed ? await lookupOrWait(ctx, where) : undefined;
  if (!found) return direct(ctx, load, staleL1);
  if (found.data !== null && found.ttlMs > ctx.settings.graceMs) {
    ctx.count('l2', 'hit');
    const { value, body } = decode<T>(found.data);
    const freshForMs = Math.min(ctx.settings.l1TtlMs, found.ttlMs - ctx.settings.graceMs);
    return { read: readOf(value, body, 'HIT'), freshForMs };
  }
  if (found.data !== null && !found.leased) {
    // Past its TTL and another replica is refreshing it: nothing newer exists yet.
    ctx.count('l2', 'stale');
    return stale(decode<T>(found.data));
  }
  ctx.count('l2', 'miss');
  return fill(ctx, found, load, staleL1);
}

async function lookupOrWait(ctx: CacheContext, where: Location): Promise<Lookup | undefined> {
  const deadline = Date.now() + ctx.settings.leaseMs;
  let found = await lookup(ctx, where);
  for (let attempt = 0; found && mustWait(found) && Date.now() < deadline; attempt += 1) {
    await sleep(Math.min(2 ** attempt, 25));
    found = ctx.breaker.isClosed ? await lookup(ctx, where) : undefined;
  }
  return found;
}

/** Someone else holds the lease and there is nothing, not even stale, to serve. */
function mustWait(found: Lookup): boolean {
  return !found.leased && found.data === null;
}

async function lookup(ctx: CacheContext, where: Location): Promise<Lookup | undefined> {
  try {
    const found = await ctx.l2.lookup(ctx.epoch(), where, ctx.settings.graceMs);
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
  const { l2TtlMs, l2JitterMs, graceMs, l1TtlMs } = ctx.settings;
  // Jitter spreads the expiry of entries cached together; the grace period rides on
  // top so an expired entry is still there to serve if MongoDB fails.
  const ttlMs = l2TtlMs + Math.random() * l2JitterMs + graceMs;
  ctx.l2.fill(found.key, payload, ttlMs).catch(() => {
    ctx.count('l2', 'error');
    ctx.breaker.failure();
  });
  return { read: readOf(value, Buffer.from(payload), 'MISS'), freshForMs: l1TtlMs };
}

/**
 * Redis bypassed: straight to MongoDB, and L1 must not keep the result. If MongoDB
 * fails too, what L1 still holds (suspect since Redis went) is all there is to serve.
 */
async function direct<T>(
  ctx: CacheContext,
  load: () => Promise<T>,
  staleL1: Entry<T> | undefined,
): Promise<Fetched<T>> {
  let value: T;
  try {
    value = await ctx.db.run(load);
  } catch (err) {
    return staleIfError(ctx, err, null, staleL1);
  }
  return { read: readOf(value, Buffer.from(encode(value)), 'MISS'), freshForMs: 0 };
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
