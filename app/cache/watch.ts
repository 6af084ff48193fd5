/**
 * Whether this replica may trust what it caches, and the epoch poll that covers the
 * time it may not (see epoch.ts and README.md here).
 *
 * L1 is only safe while invalidations reach this replica. A closed subscriber socket
 * shows at once, but a stalled Redis does not: the socket stays open and silent. So
 * every `heartbeatMs` the replica publishes on a channel only it subscribes to, and
 * counts Redis healthy until two beats in a row have not come back. Redis delivers
 * messages in the order it ran the PUBLISHes, so an echo also proves that every
 * invalidation published before it has arrived.
 *
 * Beats are counted, not timed: a replica that is itself starved of CPU (a loaded
 * host, a container's CPU quota) runs its timers late, and its echo then waits unread
 * in the socket; timing the echo would take that for a Redis stall and drop L1 just
 * when the replica can least afford it.
 *
 * A write that cannot invalidate through Redis bumps the epoch in MongoDB instead. It
 * failed because Redis stalled or went away, which every other replica's heartbeat
 * notices within `3 × heartbeatMs`, about when the write's 100 ms Redis timeout has
 * run out; from then on they poll the epoch every `fastPollMs`, and trust L1 again
 * only after an epoch read made with Redis healthy. A healthy replica polls every
 * `idlePollMs` as a backstop, for a writer cut off from Redis alone.
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
