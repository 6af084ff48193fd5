import { Client } from './client.js';
import { waitUntil } from '../../support/wait-until.js';
import { type Swarm } from './swarm.js';
import { signUp, type User } from '../../support/sign-up.js';

/** Every project whose name contains `text`, following nextCursor to the end. */
export async function listAll(client: Client, text: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 200; page += 1) {
    const query = new URLSearchParams({ q: text, limit: '100' });
    if (cursor !== null) query.set('cursor', cursor);
    const reply = await client.call(`/projects?${query.toString()}`);
    if (reply.status !== 200) throw new Error(`listing: ${reply.status} ${reply.text}`);
    const body = reply.body as { items: Record<string, unknown>[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('listing did not end within 200 pages');
}

/**
 * listAll, tried for up to 30 s: right after an outage one replica may still answer 503
 * until its MongoDB driver has found the server again (CI run of 2026-12-01). That is
 * availability, which the tests check elsewhere; this reads what was kept.
 */
export function listAllOnceAnswered(
  client: Client,
  text: string,
): Promise<Record<string, unknown>[]> {
  return waitUntil('a whole listing answered 200', 30000, () => listAll(client, text));
}

/** Ids among `acked` that a listing of the projects named after `tag` does not show. */
export async function missing(
  swarm: Pick<Swarm, 'url'>,
  tag: string,
  acked: string[],
): Promise<string[]> {
  const client = new Client(swarm.url, '127.0.0.1');
  try {
    const listed = await listAllOnceAnswered(client, tag);
    const found = new Set(listed.map((item) => item.id));
    return acked.filter((id) => !found.has(id));
  } finally {
    client.close();
  }
}

/** GET /version of every running web replica, asked inside its own container. */
export async function replicaVersions(swarm: Swarm): Promise<string[]> {
  const script =
    "fetch('http://127.0.0.1:3000/version').then(r=>r.json()).then(b=>console.log(b.version))";
  const versions = [];
  for (const id of await swarm.containers('web')) {
    versions.push((await swarm.exec(id, ['node', '-e', script])).trim());
  }
  return versions;
}

let pool: Promise<User[]> | undefined;

/**
 * The suite's signed-in users, registered once per run: the app allows 10
 * registrations an hour per address, and every test reaches nginx from the same one.
 */
export function e2eUsers(swarm: Swarm): Promise<User[]> {
  pool ??= (async () => {
    const client = new Client(swarm.url, '127.0.0.1');
    const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
    try {
      const users = [];
      for (let i = 0; i < 4; i += 1) users.push(await signUp(client, `e2e_${run}_${i}`));
      return users;
    } finally {
      client.close();
    }
  })();
  return pool;
}
