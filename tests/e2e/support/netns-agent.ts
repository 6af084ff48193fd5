// A small client that runs inside a test host's network namespace (support/netns.ts
// starts it with `ip netns exec`): one job given as JSON in argv[2], one JSON object
// per line on stdout, the last `{event: 'result', ...}`.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, paced } from './client.js';
import { runSurge, type SurgeJob } from './surge.js';
import { stopwatch } from '../../support/latency.js';

export type AgentJob =
  /**
   * Requests `path` at `rps` for `durationMs` over keep-alive connections, from `startAt`
   * (epoch ms): agents started together begin together, once Node and tsx have loaded.
   */
  | {
      kind: 'paced';
      url: string;
      ip: string;
      path: string;
      rps: number;
      durationMs: number;
      startAt: number;
    }
  /**
   * Keeps `connections` TCP connections open for `durationMs`, reopening any the server
   * closes: `idle` sends nothing; `slow-header` sends a request line, then one header
   * byte a second; `slow-body` sends a whole POST header, then one body byte a second.
   * They are opened as fast as nginx accepts them, or `openPerSecond` a second. With
   * `ips`, each of those addresses holds `connections` and opens `openPerSecond`; a
   * slow body first sends `sentAtOnce` bytes of it with the header.
   */
  | {
      kind: 'hold';
      url: string;
      ip: string;
      ips?: string[];
      connections: number;
      durationMs: number;
      mode: 'idle' | 'slow-header' | 'slow-body';
      openPerSecond?: number;
      sentAtOnce?: number;
    }
  /**
   * Sends `payload` as is on one connection (over TLS when `tls`, trusting any
   * certificate: these jobs test addresses, not trust) and returns what came back
   * before the server closed it or 10 s passed.
   */
  | { kind: 'raw'; url: string; ip: string; payload: string; tls?: boolean }
  /** The overload scenario's mixed load from many addresses (support/surge.ts). */
  | SurgeJob;

export interface RawResult {
  response: string;
}

export interface PacedResult {
  /** How late the latest request left, against its schedule: a stalled sender shows here. */
  maxLateMs: number;
  /** `ms`: from sending the request to its whole response. */
  replies: { status: number; contentType: string; retryAfter: string; title: string; ms: number }[];
}

export interface HoldResult {
  /** Connections opened in all, counting reopenings. */
  opened: number;
  failed: number;
  /** Connections nginx closed, and after how long (ms, sorted). */
  closedByServer: number;
  lifetimesMs: number[];
  /** Of those, how many got a response first (a 4xx) rather than a silent close. */
  answered: number;
  /** Open at the end, and of them how many without a byte of response. */
  openAtEnd: number;
  silentAtEnd: number;
}

function emit(event: string, fields: object = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

async function runPaced(job: Extract<AgentJob, { kind: 'paced' }>): Promise<PacedResult> {
  const client = new Client(job.url, job.ip);
  try {
    await sleep(Math.max(0, job.startAt - Date.now()));
    const started = Date.now();
    let maxLateMs = 0;
    const replies = await paced(job.rps, job.durationMs, (i) => {
      maxLateMs = Math.max(maxLateMs, Date.now() - (started + (i * 1000) / job.rps));
      const sent = stopwatch();
      return client.call(job.path).then((reply) => ({ reply, ms: sent.ms() }));
    });
    return {
      maxLateMs: Math.round(maxLateMs),
      replies: replies.map(({ reply: r, ms }) => ({
        status: r.status,
        contentType: String(r.headers['content-type'] ?? ''),
        retryAfter: String(r.headers['retry-after'] ?? ''),
        title: typeof r.body === 'object' ? String(r.body.title) : '',
        ms: Math.round(ms * 10) / 10,
      })),
    };
  } finally {
    client.close();
  }
}

/** What a held connection sends first; a slow body then trickles its 10,000 bytes left. */
function opening(mode: Extract<AgentJob, { kind: 'hold' }>['mode'], sentAtOnce = 0): string {
  if (mode === 'idle') return '';
  if (mode === 'slow-header') return 'GET /version HTTP/1.1\r\nHost: groundwork\r\nX-Slow: ';
  return (
    'POST /projects HTTP/1.1\r\nHost: groundwork\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${sentAtOnce + 10000}\r\n\r\n${'a'.repeat(sentAtOnce)}`
  );
}

async function runHold(job: Extract<AgentJob, { kind: 'hold' }>): Promise<HoldResult> {
  const { hostname, port } = new URL(job.url);
  const result: HoldResult = {
    opened: 0,
    failed: 0,
    closedByServer: 0,
    lifetimesMs: [],
    answered: 0,
    openAtEnd: 0,
    silentAtEnd: 0,
  };
  const open = new Map<Socket, { answered: boolean }>();
  let stopping = false;
  const ips = job.ips ?? [job.ip];
  const first = opening(job.mode, job.sentAtOnce);

  // Resolves once the connection is up or has failed; a closed one is replaced.
  const openOne = (localAddress: string): Promise<void> =>
    new Promise((settle) => {
      const socket = connect({ host: hostname, port: Number(port || 80), localAddress });
      const state = { answered: false };
      let opened: { ms(): number } | undefined;
      socket.once('connect', () => {
        opened = stopwatch();
        result.opened += 1;
        open.set(socket, state);
        socket.write(first);
        settle();
      });
      socket.on('data', () => (state.answered = true));
      socket.on('error', () => undefined); // a reset shows as the close below
      socket.once('close', () => {
        settle();
        if (opened === undefined) result.failed += 1;
        if (stopping || opened === undefined) return;
        open.delete(socket);
        result.closedByServer += 1;
        if (state.answered) result.answered += 1;
        result.lifetimesMs.push(opened.ms());
        void openOne(localAddress);
      });
    });

  const total = job.connections * ips.length;
  const nth = (i: number) => openOne(ips[i % ips.length]!);
  if (job.openPerSecond === undefined) {
    // 100 at a time, so nginx's accept queue (backlog 511) never overflows.
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, j) => nth(i + j)));
    }
  } else {
    await paced(job.openPerSecond * ips.length, (job.connections / job.openPerSecond) * 1000, nth);
  }
  emit('holding', { open: open.size, failed: result.failed });
  const trickle = setInterval(() => {
    if (job.mode !== 'idle') for (const socket of open.keys()) socket.write('a');
  }, 1000);
  await sleep(job.durationMs);
  stopping = true;
  clearInterval(trickle);
  result.openAtEnd = open.size;
  result.silentAtEnd = [...open.values()].filter((s) => !s.answered).length;
  result.lifetimesMs.sort((a, b) => a - b);
  open.forEach((_, socket) => socket.destroy());
  return result;
}

function runRaw(job: Extract<AgentJob, { kind: 'raw' }>): Promise<RawResult> {
  const { hostname, port } = new URL(job.url);
  // URL drops a scheme's default port: '' for :80 on http, :443 on https.
  const options = {
    host: hostname,
    port: Number(port || (job.tls ? 443 : 80)),
    localAddress: job.ip,
  };
  return new Promise((resolve) => {
    let response = '';
    const socket = job.tls
      ? tlsConnect({ ...options, servername: 'localhost', rejectUnauthorized: false })
      : connect(options);
    socket.once(job.tls ? 'secureConnect' : 'connect', () => socket.write(job.payload));
    socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
    const done = () => {
      resolve({ response });
    };
    socket.once('close', done).once('error', done);
    socket.setTimeout(10000, () => socket.destroy());
  });
}

const job = JSON.parse(process.argv[2] ?? '{}') as AgentJob;
const result =
  job.kind === 'paced'
    ? await runPaced(job)
    : job.kind === 'hold'
      ? await runHold(job)
      : job.kind === 'surge'
        ? await runSurge(job)
        : await runRaw(job);
emit('result', result);
