/**
 * A circuit breaker for the cache's use of Redis. Closed, every failure is counted and
 * `failures` in a row open it; open, callers skip Redis entirely (so no request pays a
 * timeout), and after `cooldownMs` a background probe — never a user request — decides
 * whether to close it again or wait another cooldown.
 */
export interface BreakerOptions {
  failures: number;
  cooldownMs: number;
  /** Resolves when the dependency is usable again; runs only while open. */
  probe(): Promise<void>;
  onOpen(): void;
  onClose(): void;
}

export interface Breaker {
  readonly isClosed: boolean;
  success(): void;
  failure(): void;
  /** Opens at once, whatever the count: for failures that must not be retried. */
  trip(): void;
  stop(): void;
}

export function createBreaker(options: BreakerOptions): Breaker {
  let closed = true;
  let consecutive = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const open = () => {
    if (!closed) return;
    closed = false;
    consecutive = 0;
    options.onOpen();
    schedule();
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void probe(), options.cooldownMs);
    timer.unref();
  };
  const probe = async () => {
    try {
      await options.probe();
    } catch {
      schedule();
      return;
    }
    closed = true;
    options.onClose();
  };

  return {
    get isClosed() {
      return closed;
    },
    success: () => {
      consecutive = 0;
    },
    failure: () => {
      consecutive += 1;
      if (consecutive >= Math.max(1, options.failures)) open();
    },
    trip: open,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
