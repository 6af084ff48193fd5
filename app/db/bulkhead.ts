import { OverloadedError } from '../errors/app-errors.js';
import { createAdaptiveLimit } from '../http/adaptive-limit.js';

/**
 * A per-replica cap on one kind of database work. At most `slots` run at once, fewer
 * while each takes longer than `targetMs` (adaptive-limit.ts): every replica has its
 * own cap on a database they all share, so a fixed one lets the stack run replicas x
 * slots scans at once, however slow each has become. Up to `queue` wait for a slot,
 * however few run: a waiting room that shrank with the limit (to one place behind one
 * slot) let one client's two searches take every place. Anything past that is
 * refused at once with a 503 and Retry-After, so the excess costs a microsecond
 * instead of a pool connection, and the work outside the bulkhead (by-id reads,
 * writes, sign-ins) never queues behind it. What one client may hold of it is capped
 * before it (http/client-share.ts).
 */
export interface Bulkhead {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Running and waiting now, and how many may run: for tests and metrics. */
  load(): { running: number; waiting: number; limit: number };
}

export function createBulkhead(
  slots: number,
  queue: number,
  what: string,
  targetMs = Infinity,
): Bulkhead {
  // With no slot at all, queued work would wait for a release that never comes.
  const limit = createAdaptiveLimit(Math.max(1, slots), targetMs, 1);
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    // The slot passes straight to the next in line, so a newcomer cannot overtake the
    // queue; a slot the limit no longer allows is given up.
    const next = running <= limit.current() ? waiting.shift() : undefined;
    if (next) next();
    else running -= 1;
  };

  return {
    async run(work) {
      if (running >= limit.current()) {
        if (waiting.length >= queue) {
          throw new OverloadedError(`Too many ${what} in progress; retry shortly`);
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running += 1;
      }
      const started = performance.now();
      try {
        return await work();
      } finally {
        const now = performance.now();
        limit.observe(now - started, now);
        release();
      }
    },
    load: () => ({ running, waiting: waiting.length, limit: limit.current() }),
  };
}
