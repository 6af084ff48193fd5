// Benchmark server (3): Koa + @koa/router serving the same bytes groundwork sends for
// a project, a list page and the stats, from memory. The framework's own floor,
// before any of groundwork's middleware.
import Router from '@koa/router';
import Koa from 'koa';
import { readFileSync } from 'node:fs';

const bodies = {
  project: readFileSync(process.env.BODY_FILE ?? ''),
  list: readFileSync(process.env.LIST_FILE ?? ''),
  stats: readFileSync(process.env.STATS_FILE ?? ''),
};
const app = new Koa();
const router = new Router();
const send = (body: Buffer) => (ctx: Koa.Context) => {
  ctx.type = 'application/json';
  ctx.body = body;
};
router.get('/projects', send(bodies.list));
router.get('/projects/stats', send(bodies.stats));
router.get('/projects/:id', send(bodies.project));
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');
