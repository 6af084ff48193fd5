// Benchmark server (3): Koa + @koa/router with one route serving the same bytes from
// memory. The framework's own floor, before any of groundwork's middleware.
import Router from '@koa/router';
import Koa from 'koa';
import { readFileSync } from 'node:fs';

const body = readFileSync(process.env.BODY_FILE ?? '');
const app = new Koa();
const router = new Router();
router.get('/projects/:id', (ctx) => {
  ctx.type = 'application/json';
  ctx.body = body;
});
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');
