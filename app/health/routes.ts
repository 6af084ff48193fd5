import Router from '@koa/router';
import type { Metrics } from '../metrics/metrics.js';
import type { ReadinessProbe } from './readiness.js';

/** Internal endpoints: nginx does not serve /metrics or /healthz to the public. */
export function healthRoutes(
  readiness: ReadinessProbe,
  metrics: Metrics,
  version: { version: string; commit: string },
) {
  const router = new Router();
  metrics.buildInfo.set(version, 1);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'alive' };
  });
  router.get('/readyz', async (ctx) => {
    const state = await readiness.check();
    ctx.status = state.ready ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = state;
  });
  router.get('/metrics', async (ctx) => {
    // Each scrape probes MongoDB and Redis first, so dependency_up is as fresh as the
    // scrape (Prometheus asks every 15 s), not only as fresh as the last /readyz.
    await readiness.check();
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  router.get('/version', (ctx) => {
    ctx.body = version;
  });
  return router;
}
