import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import type { ApiSection } from './common.js';
import { buildOpenApiDocument } from './document.js';

// Swagger UI's prebuilt assets, served from our own origin: /docs works with no
// outside network access, as inside the stack's internal network.
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript' },
};

// The empty icon: a browser would otherwise ask for /favicon.ico and log its 404 as a
// console error (tests/e2e/edge-https opens /docs in Chromium).
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>groundwork API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

// validatorUrl null: Swagger UI would otherwise send the document to an outside
// validator service.
const INIT_SCRIPT = `SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', validatorUrl: null });`;

export function docsRoutes(version: string, sections: readonly ApiSection[]): Router {
  const document = buildOpenApiDocument(version, sections);
  const assets = new Map(
    Object.entries(ASSETS).map(([name, { file, type }]) => [
      name,
      { body: readFileSync(join(swaggerDir, file)), type },
    ]),
  );
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = DOCS_PAGE;
  });
  router.get('/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = INIT_SCRIPT;
  });
  router.get('/docs/:asset', (ctx, next) => {
    const asset = assets.get(String(ctx.params.asset));
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = asset.body;
  });
  return router;
}
