import { Client } from './client.js';

/** A client that talks to one replica directly, past nginx and its rate limit. */
export function replicaClient(port: number): Client {
  return new Client(`http://127.0.0.1:${port}`, '127.0.0.1');
}

/** Runs `work` over `items`, `width` at a time. */
export async function inBatches<T, R>(
  items: T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  }
  return results;
}

/** Ids among `ids` that a replica does not answer 200 for. */
export async function missing(client: Client, ids: string[]): Promise<string[]> {
  const statuses = await inBatches(ids, 16, async (id) => {
    const reply = await client.call(`/projects/${id}`);
    return reply.status === 200 && (reply.body as { id: string }).id === id ? undefined : id;
  });
  return statuses.filter((id) => id !== undefined);
}

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
