import { OverloadedError } from '../errors/app-errors.js';

/**
 * A per-replica cap on one kind of database work. At most `limit` run at once and at
 * most `queue` wait for a slot; anything past that is refused at once with a 503 and
 * Retry-After, so the excess costs a microsecond instead of a pool connection, and the
 * work outside the bulkhead (by-id reads, writes, sign-ins) never queues behind it.
 */
export interface Bulkhead {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Running and waiting now: for tests and metrics. */
  load(): { running: number; waiting: number };
}

export function createBulkhead(slots: number, queue: number, what: string): Bulkhead {
  // With no slot at all, queued work would wait for a release that never comes.
  const limit = Math.max(1, slots);
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    // The slot passes straight to the next in line, so `running` never dips and a
    // newcomer cannot overtake the queue.
    if (next) next();
    else running -= 1;
  };

  return {
    async run(work) {
      if (running >= limit) {
        if (waiting.length >= queue) {
          throw new OverloadedError(`Too many ${what} in progress; retry shortly`);
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running += 1;
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
    load: () => ({ running, waiting: waiting.length }),
  };
}
