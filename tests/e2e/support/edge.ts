import { expect } from 'chai';
import type { PacedResult } from './netns-agent.js';
import { runAgent, type TestHost } from './netns.js';
import { docker, type Swarm } from './swarm.js';

type Reply = PacedResult['replies'][number];

/** `host` sends GET /version to `url` at `rps` for `durationMs`, starting 3 s from now. */
export function sendPaced(
  host: TestHost,
  url: string,
  rps: number,
  durationMs: number,
): Promise<PacedResult> {
  const startAt = Date.now() + 3000;
  const job = { kind: 'paced', url, ip: host.ip, path: '/version', rps, durationMs, startAt };
  return runAgent<PacedResult>(host, { ...job, kind: 'paced' }).result;
}

export function count(replies: Reply[], status: number): number {
  return replies.filter((r) => r.status === status).length;
}

/** nginx's own 429: problem+json, its title, a Retry-After in seconds. */
export function expectEdge429(reply: Reply): void {
  expect(reply.contentType).to.match(/^application\/problem\+json/);
  expect(reply.title).to.equal('Too Many Requests');
  expect(reply.retryAfter).to.match(/^\d+$/);
}

/**
 * The JSON lines `service`'s running containers logged since `since` whose `message`
 * is `message` (nginx: 'edge request', web: 'request').
 */
export async function logEntries(
  swarm: Swarm,
  service: string,
  message: string,
  since: string,
): Promise<Record<string, unknown>[]> {
  const entries: Record<string, unknown>[] = [];
  for (const container of await swarm.containers(service)) {
    for (const line of (await docker('logs', '--since', since, container)).split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message === message) entries.push(entry);
    }
  }
  return entries;
}

/** Access-log lines per clientIp since `since`, over every nginx task's container. */
export async function clientIps(swarm: Swarm, since: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const entry of await logEntries(swarm, 'nginx', 'edge request', since)) {
    if (typeof entry.clientIp !== 'string') continue;
    counts.set(entry.clientIp, (counts.get(entry.clientIp) ?? 0) + 1);
  }
  return counts;
}
