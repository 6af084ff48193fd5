import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './idempotency-key.js';
import type { IdempotencyRecord, IdempotencyScope, IdempotencyStore } from './idempotency-store.js';
import type { Project } from './schema.js';

export interface CreateOutcome {
  project: Project;
  /** True when the answer is the stored one from an earlier request. */
  replayed: boolean;
}

/** Inserts the project under the id the claim chose; see IdempotencyRecord. */
export type InsertAs = (projectId: string) => Promise<Project>;

export interface IdempotencyTimings {
  /**
   * How long an attempt holds a key before another may take it over. Only liveness
   * hangs on it: a slow claimant overtaken by a retry still inserts the same project
   * id, so the two cannot make two projects. 10 s is well past a healthy insert and
   * MONGO_TIMEOUT_MS, and short enough that a crashed replica's key soon frees up.
   */
  leaseMs: number;
  /**
   * How long a concurrent request with the same key waits for the first one's answer
   * before a 409. Past MONGO_TIMEOUT_MS (2 s), so a claimant whose insert fails has
   * released the key by then and the waiter creates the project itself.
   */
  waitMs: number;
  /** First pause between looks at a pending record; doubles up to 200 ms. */
  pollMs: number;
  /** How often, at most, one replica deletes records past their retention. */
  sweepEveryMs: number;
}

export const DEFAULT_TIMINGS: IdempotencyTimings = {
  leaseMs: 10_000,
  waitMs: 3_000,
  pollMs: 20,
  sweepEveryMs: 60_000,
};

type Look = CreateOutcome | { waitUntil: Date };

/**
 * Runs a create at most once per (user, key): the first request claims the key and
 * creates; a retry with the same body gets the stored answer; one with another body
 * a 422; a request racing a claimant waits for its answer, and takes the key over
 * when the claimant's lease ran out (it crashed, or failed and let go).
 */
export function createIdempotentCreates(
  store: IdempotencyStore,
  timings: IdempotencyTimings = DEFAULT_TIMINGS,
) {
  let lastSweep = 0;

  async function finish(record: IdempotencyRecord, insertAs: InsertAs): Promise<CreateOutcome> {
    try {
      const project = await insertAs(record.projectId);
      await store.complete(record, project);
      return { project, replayed: false };
    } catch (err) {
      // Best effort: when MongoDB is down this fails too, and the lease runs out instead.
      await store.release(record).catch(() => undefined);
      throw err;
    }
  }

  async function look(scope: IdempotencyScope, insertAs: InsertAs, first: boolean): Promise<Look> {
    // The first look claims straight away, which is one round trip for a new key;
    // later looks read first, so waiting does not hammer the unique index.
    let found = first ? undefined : await store.find(scope);
    if (!found) {
      const claimed = await store.claim(scope, timings.leaseMs);
      if (claimed) return finish(claimed, insertAs);
      found = await store.find(scope);
      // Deleted between our claim and our read (its retention ended): look again.
      if (!found) return { waitUntil: new Date() };
    }
    const now = Date.now();
    if (found.expiresAt.getTime() <= now) {
      // Past retention but not yet swept: the key is free again, whatever it guarded.
      await store.forget(found);
      return { waitUntil: new Date() };
    }
    if (found.fingerprint !== scope.fingerprint) throw new IdempotencyKeyReusedError();
    if (found.state === 'done' && found.project) return { project: found.project, replayed: true };
    if (found.leaseUntil.getTime() <= now) {
      const taken = await store.takeOver(found, timings.leaseMs);
      if (taken) return finish(taken, insertAs);
    }
    return { waitUntil: found.leaseUntil };
  }

  function sweepNowAndThen(): void {
    if (Date.now() - lastSweep < timings.sweepEveryMs) return;
    lastSweep = Date.now();
    // Not awaited and errors ignored: expired records are already treated as absent
    // when read, so the sweep only saves space, and the next one catches up.
    void store.sweep().catch(() => undefined);
  }

  return async function createOnce(
    scope: IdempotencyScope,
    insertAs: InsertAs,
  ): Promise<CreateOutcome> {
    sweepNowAndThen();
    const deadline = Date.now() + timings.waitMs;
    let pause = timings.pollMs;
    for (let first = true; ; first = false) {
      const result = await look(scope, insertAs, first);
      if ('project' in result) return result;
      if (Date.now() >= deadline) {
        throw new IdempotencyKeyInFlightError((result.waitUntil.getTime() - Date.now()) / 1000);
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
  };
}

export type IdempotentCreates = ReturnType<typeof createIdempotentCreates>;
