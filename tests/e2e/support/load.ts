import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Reply } from './client.js';
import { stopwatch } from '../../support/latency.js';
import { type User } from '../../support/sign-up.js';

export interface Outcome {
  kind: 'read' | 'write';
  path: string;
  status?: number;
  error?: string;
  detail?: string;
  retryAfter?: string;
}

export interface LoadResult {
  reads: number;
  writes: number;
  /** Ids of the projects whose create was answered 201. */
  acked: string[];
  failedReads: Outcome[];
  failedWrites: Outcome[];
  /** Requests answered 429 (by nginx or the app's limiters): refused, not failed. */
  limited: number;
}

/** What the contract counts as a failed request: anything but 2xx, 304 or 429. */
export function failed(status: number): boolean {
  return !((status >= 200 && status < 300) || status === 304 || status === 429);
}

/**
 * Runs `action` under `load`: started `settleMs` before it and stopped `settleMs` after,
 * so requests straddle both edges. The action's value, its seconds and what the load saw.
 */
export async function underLoad<T>(
  load: Load,
  { maxMs, settleMs }: { maxMs: number; settleMs: number },
  action: () => Promise<T>,
): Promise<{ value: T; seconds: number; result: LoadResult }> {
  load.start(maxMs);
  await sleep(settleMs);
  const started = stopwatch();
  const value = await action();
  const seconds = started.seconds();
  await sleep(settleMs);
  return { value, seconds, result: await load.stop() };
}

/**
 * Steady traffic through nginx: every client is one signed-in user reading projects,
 * listings and /version and creating projects named after `tag`, so a test can find
 * them all afterwards. Through the published port every loopback client reaches nginx
 * from the same address (docker-proxy), so the whole load stays below nginx's 20 r/s
 * per address and the app's 120 writes/min per address.
 */
export class Load {
  readonly clients: Client[];
  private readonly known: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly result: LoadResult = {
    reads: 0,
    writes: 0,
    acked: [],
    failedReads: [],
    failedWrites: [],
    limited: 0,
  };

  constructor(
    base: string,
    readonly tag: string,
    private readonly users: User[],
    private readonly rates = { reads: 3, writes: 0.4 },
  ) {
    this.clients = users.map(() => new Client(base, '127.0.0.1'));
  }

  /** One project per user to read from the start. */
  async prepare(): Promise<void> {
    for (const [i, client] of this.clients.entries()) {
      const user = this.users[i]!;
      const created = await this.create(client, user, -1);
      if (created.status !== 201) throw new Error(`seed project: ${created.text}`);
      this.known.push((created.body as { id: string }).id);
    }
  }

  /** Starts every client's loops; they end at stop() or after maxMs, whichever is first. */
  start(maxMs = 150000): void {
    this.running = true;
    const until = Date.now() + maxMs;
    this.loops = this.clients.flatMap((client, i) => [
      this.loop(this.rates.reads, until, (n) => this.read(client, n)),
      this.loop(this.rates.writes, until, (n) => this.write(client, this.users[i]!, n)),
    ]);
  }

  async stop(): Promise<LoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return this.result;
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  summary(): string {
    const r = this.result;
    return (
      `${r.reads} reads (${r.failedReads.length} failed), ${r.writes} writes ` +
      `(${r.acked.length} acknowledged, ${r.failedWrites.length} failed), ${r.limited} answered 429`
    );
  }

  private isRunning(): boolean {
    return this.running;
  }

  private async loop(rps: number, until: number, send: (n: number) => Promise<void>) {
    const started = Date.now() + Math.random() * (1000 / rps);
    const pending = new Set<Promise<void>>();
    for (let n = 0; this.isRunning() && Date.now() < until; n += 1) {
      const wait = started + n * (1000 / rps) - Date.now();
      if (wait > 0) await sleep(wait);
      // stop() may have been called during the sleep.
      if (!this.isRunning()) break;
      const sent = send(n).finally(() => pending.delete(sent));
      pending.add(sent);
    }
    await Promise.all(pending);
  }

  private async read(client: Client, n: number): Promise<void> {
    const path =
      n % 5 === 4
        ? '/version'
        : n % 5 === 3
          ? '/projects?limit=5'
          : `/projects/${this.known[Math.floor(Math.random() * this.known.length)]!}`;
    this.result.reads += 1;
    const outcome = await this.outcome('read', path, () => client.call(path));
    if (outcome) this.result.failedReads.push(outcome);
  }

  private async write(client: Client, user: User, n: number): Promise<void> {
    this.result.writes += 1;
    let id: string | undefined;
    const outcome = await this.outcome('write', '/projects', async () => {
      const reply = await this.create(client, user, n);
      if (reply.status === 201) id = (reply.body as { id: string }).id;
      return reply;
    });
    if (outcome) this.result.failedWrites.push(outcome);
    if (id !== undefined) {
      this.result.acked.push(id);
      this.known.push(id);
    }
  }

  private create(client: Client, user: User, n: number): Promise<Reply> {
    return client.call('/projects', {
      method: 'POST',
      token: user.token,
      json: {
        name: `${this.tag} ${user.username} ${n}`,
        budget: 1000 + n + 0.25,
        status: 'planning',
      },
    });
  }

  /** undefined when the request did not fail; otherwise what went wrong. */
  private async outcome(
    kind: Outcome['kind'],
    path: string,
    send: () => Promise<Reply>,
  ): Promise<Outcome | undefined> {
    try {
      const reply = await send();
      if (reply.status === 429) this.result.limited += 1;
      if (!failed(reply.status)) return undefined;
      const retryAfter = reply.headers['retry-after'];
      return {
        kind,
        path,
        status: reply.status,
        detail: reply.text.slice(0, 300),
        ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      };
    } catch (err) {
      return { kind, path, error: (err as Error).message };
    }
  }
}
