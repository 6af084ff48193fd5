/**
 * A concurrency limit that follows the latency of what it admits, like TCP's window
 * (AIMD): a fixed cap fits one machine; this one finds where latency starts to grow.
 */
export interface AdaptiveLimit {
  current(): number;
  /** One admitted request answered after `ms`, at `now` (ms, any monotonic clock). */
  observe(ms: number, now: number): void;
}

const CUT = 0.8;

export function createAdaptiveLimit(max: number, targetMs: number, min: number): AdaptiveLimit {
  let limit = max;
  let cutAt = -Infinity;
  return {
    current: () => Math.max(min, Math.floor(limit)),
    observe(ms, now) {
      if (ms <= targetMs) {
        limit = Math.min(max, limit + 1 / limit);
      } else if (now - cutAt >= targetMs) {
        limit = Math.max(min, limit * CUT);
        cutAt = now;
      }
    },
  };
}
