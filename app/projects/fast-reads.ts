import type { IncomingMessage, ServerResponse } from 'node:http';
import { etagFor, noneMatch } from '../http/etag.js';
import { clientAddress, requestIdFrom, type RequestLog } from '../http/request-log.js';
import type { CachedProjectReads } from './cached-reads.js';
import type { ListQueries } from './list-queries.js';

/** Answers the request and returns true, or returns false and leaves it to Koa. */
export type FastReads = (req: IncomingMessage, res: ServerResponse) => boolean;

type Peeks = Pick<CachedProjectReads, 'peekById' | 'peekList' | 'peekStats'>;

interface Hit {
  path: string;
  route: string;
  body: Buffer;
  etag?: string;
}

const BY_ID = /^\/projects\/[0-9a-f]{24}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Fresh L1 hits of the three cached reads, answered without Koa, which doubled their
 * cost (stack/MEASURED.md, "Benchmark"); anything else goes to Koa. Bytes, headers, log line and metric are the Koa
 * route's own (tests/integration/http/fast-reads.test.ts compares the two).
 */
export function createFastReads(
  reads: Peeks,
  lists: ListQueries,
  log: RequestLog,
  trustProxy: boolean,
): FastReads {
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const started = process.hrtime.bigint();
    const hit = lookup(reads, lists, req.url ?? '');
    if (hit === undefined) return false;
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const status = respond(req, res, requestId, hit);
    const { path, route } = hit;
    const clientIp = clientAddress(req, trustProxy);
    log({ requestId, clientIp, method: 'GET', path, route, status, cache: 'HIT', started });
    return true;
  };
}

function lookup(reads: Peeks, lists: ListQueries, url: string): Hit | undefined {
  if (BY_ID.test(url)) {
    const entry = reads.peekById(url.slice('/projects/'.length));
    if (entry === undefined) return undefined;
    const etag = etagFor(entry.value.version);
    return { path: url, route: '/projects/:id', body: entry.body, etag };
  }
  if (url === '/projects/stats') {
    const entry = reads.peekStats();
    return entry && { path: url, route: url, body: entry.body };
  }
  if (url === '/projects' || url.startsWith('/projects?')) {
    const query = lists.known(url.slice('/projects?'.length));
    const entry = query && reads.peekList(query);
    return entry && { path: '/projects', route: '/projects', body: entry.body };
  }
  return undefined;
}

/** What the Koa route sends for a hit: 304 when If-None-Match matches, else the bytes. */
function respond(req: IncomingMessage, res: ServerResponse, requestId: string, hit: Hit): number {
  const head = ['X-Request-ID', requestId, 'X-Cache', 'HIT'];
  if (hit.etag !== undefined) {
    head.push('ETag', hit.etag);
    if (noneMatch(req.headers['if-none-match'], hit.etag)) {
      res.writeHead(304, head);
      res.end();
      return 304;
    }
  }
  head.push('Content-Type', JSON_TYPE, 'Content-Length', String(hit.body.length));
  res.writeHead(200, head);
  res.end(hit.body);
  return 200;
}
