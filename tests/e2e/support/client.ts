import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopwatch } from '../../support/latency.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed when the response says JSON, else the text. */
  body: any;
  text: string;
}

export interface CallOptions {
  method?: string;
  json?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * One client address: requests leave from `ip` (any of 127.0.0.0/8 is this host), so
 * nginx and the app see it as a client of its own. Connections are kept alive and
 * reused, as browsers and API clients do (`maxSockets` at once); nothing is retried. An https:// base is
 * spoken over TLS (HTTP/1.1), trusting only `ca` (PEM) when given.
 */
export class Client {
  private readonly agent: Agent;
  private readonly send: typeof request;

  constructor(
    readonly base: string,
    readonly ip: string,
    ca?: string,
    maxSockets = 8,
  ) {
    const options = { keepAlive: true, maxSockets, localAddress: ip };
    const tls = base.startsWith('https:');
    this.agent = tls
      ? new HttpsAgent({ ...options, ...(ca === undefined ? {} : { ca }) })
      : new Agent(options);
    this.send = tls ? httpsRequest : request;
  }

  call(path: string, options: CallOptions = {}): Promise<Reply> {
    const url = new URL(path, this.base);
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = this.send(
        url,
        { method: options.method ?? 'GET', headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const json = (res.headers['content-type'] ?? '').includes('json') && text !== '';
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: json ? JSON.parse(text) : text,
              text,
            });
          });
        },
      );
      // A hang bound, not a timing assertion: a request stuck this long is a failure.
      req.setTimeout(20000, () => req.destroy(new Error('no response within 20 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A Client for the enclosing describe block: made as the file loads, so that its after
 * hook can close it whatever failed.
 */
export function useClient(base: string, ip: string): Client {
  const client = new Client(base, ip);
  after(() => {
    client.close();
  });
  return client;
}

/** 127.0.<block>.<n>: tests take separate blocks so nginx's per-address state never mixes. */
export function clientIp(block: number, n: number): string {
  return `127.0.${block}.${n}`;
}

/**
 * Calls `send(i)` every 1000/rps ms for durationMs, without waiting for earlier calls
 * (a slow answer does not slow the sender down), then waits for them all.
 */
export async function paced<T>(
  rps: number,
  durationMs: number,
  send: (i: number) => Promise<T>,
): Promise<T[]> {
  return Promise.all(await pacedSends(rps, durationMs, send));
}

/**
 * paced() without the wait at the end: what it sent, still in flight, so the caller can
 * start the next phase at once. `send` also learns how late its turn came (ms).
 */
export async function pacedSends<T>(
  rps: number,
  durationMs: number,
  send: (i: number, lateMs: number) => Promise<T>,
): Promise<Promise<T>[]> {
  const started = performance.now();
  const pending: Promise<T>[] = [];
  for (let i = 0; i * (1000 / rps) < durationMs; i += 1) {
    const due = started + i * (1000 / rps);
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(send(i, performance.now() - due));
  }
  return pending;
}

/** One request of a steady load: when it left (ms from the start), its status or error. */
export interface Outcome {
  at: number;
  status?: number;
  error?: string;
}

/**
 * GET `path` at `rps` for `durationMs` through `client`, recording each outcome
 * instead of throwing: the load the nginx-replacing tests run while nginx goes away.
 */
export function pacedOutcomes(
  client: Client,
  rps: number,
  durationMs: number,
  path = '/version',
): Promise<Outcome[]> {
  const started = stopwatch();
  return paced(rps, durationMs, async (): Promise<Outcome> => {
    const at = Math.round(started.ms());
    try {
      return { at, status: (await client.call(path)).status };
    } catch (err) {
      return { at, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
  });
}

/** Connection-level failures only: what a client sees while no nginx listens. */
export const REFUSED_OR_RESET = /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up/;
