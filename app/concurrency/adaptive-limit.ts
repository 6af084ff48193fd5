/**
 * A concurrency limit that follows the latency of the work it admits, the way TCP's
 * congestion window follows loss (additive increase, multiplicative decrease): an
 * answer slower than `targetMs` cuts the limit by a fifth, at most once per `targetMs`
 * (one round of the work in flight, so one burst of slow answers is one cut); every
 * faster answer adds 1/limit, about one per round. A static cap fits one machine and
 * one database; this one finds where latency starts to grow wherever it runs.
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
