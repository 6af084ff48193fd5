// A flood of GETs sent from a process of its own, as an attacker's would be: the
// sender's sockets and CPU never share the event loop of the replica under test.
// startFlood() runs this file as a child; the child sends until told to stop, then
// prints what came back as one JSON line.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '../e2e/support/client.js';
import { stopwatch } from './latency.js';

export interface FloodJob {
  url: string;
  /** `{n}` is replaced by the request's number, so every request can be distinct. */
  path: string;
  rps: number;
  /**
   * Addresses of 127.0.0.0/8 the requests leave from in turn, `rps` from each: behind
   * nginx each is a client of its own. Default: one, 127.0.0.1.
   */
  from?: string[];
}

export interface FloodReply {
  status: number;
  ms: number;
  retryAfter: string;
  contentType: string;
  detail: string;
}

export interface FloodResult {
  replies: FloodReply[];
  /** Requests that got no HTTP answer at all (reset, refused, timed out). */
  errors: string[];
  mostInFlight: number;
}

export interface Flood {
  /** Stops sending, waits for the answers still due, and returns them all. */
  stop(): Promise<FloodResult>;
}

const SELF = fileURLToPath(import.meta.url);

export function startFlood(job: FloodJob): Flood {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(job)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const result = new Promise<FloodResult>((resolve, reject) => {
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => (last = line));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(last) as FloodResult);
      else reject(new Error(`the flood process exited with ${code}`));
    });
  });
  return {
    stop() {
      child.stdin.end('stop\n');
      return result;
    },
  };
}

async function send(job: FloodJob): Promise<void> {
  const result: FloodResult = { replies: [], errors: [], mostInFlight: 0 };
  const inFlight = new Set<Promise<void>>();
  // Enough sockets that no request waits for one: open-loop means every one is sent.
  const clients = (job.from ?? ['127.0.0.1']).map((ip) => new Client(job.url, ip, undefined, 512));
  const one = (n: number) => {
    const started = stopwatch();
    const client = clients[n % clients.length]!;
    const sent = client
      .call(job.path.replaceAll('{n}', String(n)))
      .then((res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        const problem = contentType.includes('json') && res.status >= 400;
        result.replies.push({
          status: res.status,
          ms: started.ms(),
          retryAfter: String(res.headers['retry-after'] ?? ''),
          contentType,
          detail: problem ? String((res.body as { detail?: string }).detail) : '',
        });
      })
      .catch((err: unknown) => void result.errors.push((err as Error).message))
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    result.mostInFlight = Math.max(result.mostInFlight, inFlight.size);
  };
  const stop = new AbortController();
  process.stdin.on('data', () => {
    stop.abort();
  });
  const started = stopwatch();
  let n = 0;
  while (!stop.signal.aborted) {
    const due = Math.floor(started.seconds() * job.rps * clients.length);
    for (; n < due; n += 1) one(n);
    await new Promise((tick) => setTimeout(tick, 10));
  }
  await Promise.all(inFlight);
  for (const client of clients) client.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// No top-level await: mocha must still be able to require() the specs that import this.
if (process.argv[1] === SELF) void send(JSON.parse(process.argv[2]!) as FloodJob);
