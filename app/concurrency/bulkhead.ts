import { AsyncLocalStorage } from 'node:async_hooks';
import { OverloadedError } from '../errors/app-errors.js';
import { createAdaptiveLimit } from './adaptive-limit.js';

/**
 * A per-replica cap on one kind of database work: at most `slots` at once (fewer while
 * each takes longer than `targetMs`), up to `queue` waiting, the rest refused at once
 * with a 503, so work outside it (by-id reads, writes, sign-ins) never queues behind it.
 */
export interface Bulkhead {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Running and waiting now, and how many may run: for tests and metrics. */
  load(): { running: number; waiting: number; limit: number };
}

const clients = new AsyncLocalStorage<string>();

/** Runs `work` on behalf of `client` (an address): bulkheads it enters take turns by it. */
export function asClient<T>(client: string, work: () => T): T {
  return clients.run(client, work);
}

interface Waiter {
  client: string;
  start: () => void;
}

export function createBulkhead(
  slots: number,
  queue: number,
  what: string,
  targetMs = Infinity,
  maxWaitMs = Infinity,
): Bulkhead {
  // With no slot at all, queued work would wait for a release that never comes.
  const limit = createAdaptiveLimit(Math.max(1, slots), targetMs, 1);
  let running = 0;
  const waiting: Waiter[] = [];
  // When each client with work here last got a slot, and how much it has here. A freed
  // slot goes to the waiter whose client got one longest ago (or never), so a client
  // that keeps its share queued takes turns with the others instead of going first.
  let ticket = 0;
  const lastServed = new Map<string, number>();
  const holding = new Map<string, number>();
  const served = (client: string) => lastServed.set(client, (ticket += 1));
  const turnOf = (waiter: Waiter) => lastServed.get(waiter.client) ?? 0;

  const release = () => {
    // The slot passes straight to a waiter, so a newcomer cannot overtake the queue; a
    // slot the limit no longer allows is given up.
    if (running > limit.current() || waiting.length === 0) {
      running -= 1;
      return;
    }
    const next = waiting.reduce((best, waiter) => (turnOf(waiter) < turnOf(best) ? waiter : best));
    waiting.splice(waiting.indexOf(next), 1);
    served(next.client);
    next.start();
  };
  const leave = (client: string) => {
    const left = (holding.get(client) ?? 1) - 1;
    if (left > 0) holding.set(client, left);
    else {
      holding.delete(client);
      lastServed.delete(client);
    }
  };

  // How long work here takes (a moving average): a newcomer that would wait longer than
  // maxWaitMs behind the line is refused at once rather than after waiting. One that
  // still waits past it (the work got slower) gets its 503 then: by then the client
  // (nginx gives up on a read after 5 s) would hardly be there for the answer.
  let typicalMs = 0;
  // Those waiting go first, and the work running is half done on average.
  const expectedWaitMs = () => ((waiting.length + 0.5) * typicalMs) / limit.current();
  const waitForSlot = (client: string) =>
    new Promise<void>((start, refuse) => {
      const giveUp = () => {
        waiting.splice(waiting.indexOf(waiter), 1);
        leave(client);
        refuse(new OverloadedError(`Waited too long for one of the ${what} slots; retry shortly`));
      };
      const timer = Number.isFinite(maxWaitMs) ? setTimeout(giveUp, maxWaitMs) : undefined;
      const waiter: Waiter = {
        client,
        start: () => {
          clearTimeout(timer);
          start();
        },
      };
      waiting.push(waiter);
    });

  return {
    async run(work) {
      const client = clients.getStore() ?? '';
      if (running >= limit.current()) {
        if (waiting.length >= queue || expectedWaitMs() > maxWaitMs) {
          throw new OverloadedError(`Too many ${what} in progress; retry shortly`);
        }
        holding.set(client, (holding.get(client) ?? 0) + 1);
        await waitForSlot(client);
      } else {
        holding.set(client, (holding.get(client) ?? 0) + 1);
        served(client);
        running += 1;
      }
      const started = performance.now();
      try {
        return await work();
      } finally {
        const now = performance.now();
        limit.observe(now - started, now);
        typicalMs = typicalMs === 0 ? now - started : 0.8 * typicalMs + 0.2 * (now - started);
        leave(client);
        release();
      }
    },
    load: () => ({ running, waiting: waiting.length, limit: limit.current() }),
  };
}
