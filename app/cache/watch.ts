/**
 * Whether this replica may trust its L1, and the epoch poll that covers the time it may
 * not (app/cache/README.md). A stalled Redis keeps its socket open and silent, so the
 * replica publishes beats to itself and trusts L1 until two in a row go unanswered
 * (counted, not timed: a CPU-starved replica must not take its own lateness for a stall).
 */
export interface WatchOptions {
  heartbeatMs: number;
  fastPollMs: number;
  idlePollMs: number;
  /** The subscriber is up and the breaker closed. */
  connected(): boolean;
  publish(): Promise<void>;
  refreshEpoch(): Promise<void>;
  /** Trust was lost: drop what L1 holds. */
  onDoubt(): void;
}

export interface Watch {
  /** L1 may be read and filled. Cheap: called on every cached read. */
  trusted(): boolean;
  /** The heartbeat came back. */
  echo(): void;
  /** Something else (the subscriber, the breaker) lost trust: re-confirm the epoch. */
  doubt(): void;
  stop(): void;
}

export function createWatch(o: WatchOptions): Watch {
  let unanswered = 0;
  let confirmed = false;
  let stopped = false;
  let polling = false;
  let timer: NodeJS.Timeout | undefined;
  const healthy = () => o.connected() && unanswered < 2;

  const doubt = () => {
    if (!confirmed) return;
    confirmed = false;
    o.onDoubt();
    if (o.fastPollMs > 0) schedule(0);
  };
  const schedule = (delay: number) => {
    clearTimeout(timer);
    if (stopped || polling) return;
    timer = setTimeout(() => void poll(), delay);
    timer.unref();
  };
  const poll = async () => {
    polling = true;
    const before = healthy();
    await o.refreshEpoch().catch(() => undefined);
    polling = false;
    if (before && healthy()) confirmed = true;
    const next = confirmed ? o.idlePollMs : o.fastPollMs;
    if (next > 0) schedule(next);
  };

  const beat = setInterval(
    () => {
      if (confirmed && !healthy()) doubt();
      unanswered += 1;
      o.publish().catch(() => undefined);
    },
    Math.max(10, o.heartbeatMs),
  );
  beat.unref();
  o.publish().catch(() => undefined);
  if (o.fastPollMs > 0) schedule(0);

  return {
    trusted() {
      if (confirmed && !healthy()) doubt();
      return confirmed;
    },
    echo() {
      unanswered = 0;
      // Unconfirmed (starting, or Redis just back): confirm now rather than a poll later.
      if (!confirmed && !polling && o.fastPollMs > 0) schedule(0);
      // With polling off, nothing else would ever confirm the epoch.
      if (o.fastPollMs === 0 && o.connected()) confirmed = true;
    },
    doubt,
    stop() {
      stopped = true;
      clearInterval(beat);
      clearTimeout(timer);
    },
  };
}
