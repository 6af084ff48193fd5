import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { currentUser, requireUser, type AuthService } from '../auth/index.js';
import type { Read } from '../cache/read.js';
import type { MongoReachability } from '../db/reachability.js';
import { NotFoundError } from '../errors/app-errors.js';
import { requireMongo } from '../http/require-mongo.js';
import { clientShare } from '../http/client-share.js';
import { etagFor, noneMatch, versionFromIfMatch } from '../http/etag.js';
import { jsonBody } from '../http/json-body.js';
import { pathId } from '../http/path-id.js';
import { validator } from '../http/validate.js';
import { parseIdempotencyKey } from './idempotency-key.js';
import type { ListQueries } from './list-queries.js';
import { CreateProjectBody, PatchProjectBody, type Project } from './schema.js';
import type { ProjectsService } from './service.js';

/** What the project routes use of the composition root's dependencies. */
export interface ProjectRoutesDeps {
  projects: ProjectsService;
  auth: AuthService;
  limiters: { writes: Middleware };
  mongo: MongoReachability;
  config: { LIST_PER_CLIENT: number };
}

const parseCreate = validator(CreateProjectBody, 'body');
const parsePatch = validator(PatchProjectBody, 'body');

/** Thin HTTP layer over the projects service: parse, call, shape the response. */
export function projectsRoutes(deps: ProjectRoutesDeps, lists: ListQueries): Router {
  const { projects, auth, limiters } = deps;
  const signedIn = requireUser(auth);
  // Writes check MongoDB first: with it gone, nothing else they wait on matters.
  const database = requireMongo(deps.mongo);
  const router = new Router({ prefix: '/projects' });
  // List pages and stats may scan, in the list bulkhead every client shares: one
  // address may hold only a few of its places (app/concurrency/README.md).
  const scans = clientShare(deps.config.LIST_PER_CLIENT, 'list pages or stats');

  router.get('/', scans, async (ctx) => {
    sendRead(ctx, await projects.list(lists.parse(ctx.querystring, () => ctx.query)));
  });

  // Registered before '/:id' so "stats" is not taken for an id.
  router.get('/stats', scans, async (ctx) => {
    sendRead(ctx, await projects.stats());
  });

  router.get('/:id', async (ctx) => {
    const id = pathId(ctx);
    const read = await projects.getById(id);
    ctx.set('X-Cache', read.cache);
    if (!read.value) throw new NotFoundError(`No project ${id}`);
    const etag = etagFor(read.value.version);
    ctx.set('ETag', etag);
    if (noneMatch(ctx.get('If-None-Match'), etag)) {
      ctx.status = 304;
      return;
    }
    sendRead(ctx, read);
  });

  router.post('/', database, signedIn, limiters.writes, jsonBody(), async (ctx) => {
    const key = parseIdempotencyKey(ctx.headers['idempotency-key']);
    const input = parseCreate(ctx.request.body);
    let project: Project;
    if (key === undefined) {
      project = await projects.create(input, currentUser(ctx));
    } else {
      const outcome = await projects.createOnce(input, currentUser(ctx), key);
      project = outcome.project;
      if (outcome.replayed) ctx.set('Idempotent-Replayed', 'true');
    }
    ctx.status = 201;
    ctx.set('Location', `/projects/${project.id}`);
    ctx.set('ETag', etagFor(project.version));
    ctx.body = project;
  });

  router.patch('/:id', database, signedIn, limiters.writes, jsonBody(), async (ctx) => {
    const id = pathId(ctx);
    // A malformed body is a 400 whatever the precondition says: validate it first.
    const changes = parsePatch(ctx.request.body);
    const ifMatch = versionFromIfMatch(ctx.get('If-Match'));
    const project = await projects.update(id, changes, currentUser(ctx), ifMatch);
    ctx.set('ETag', etagFor(project.version));
    ctx.body = project;
  });

  router.delete('/:id', database, signedIn, limiters.writes, async (ctx) => {
    await projects.remove(pathId(ctx), currentUser(ctx));
    ctx.status = 204;
  });

  return router;
}

/** The cached JSON bytes when the read has them, else the value for Koa to serialize. */
function sendRead(ctx: Context, read: Read<unknown>): void {
  ctx.set('X-Cache', read.cache);
  if (read.body) {
    // The type Koa gives a JSON body, set first so Koa does not call a Buffer binary.
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = read.body;
  } else {
    ctx.body = read.value;
  }
}
