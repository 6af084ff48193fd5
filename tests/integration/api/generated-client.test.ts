import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { resetData, useTestApp } from '../../support/app-harness.js';
import { runCommand } from '../../support/commands.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = resolve(ROOT, 'node_modules/.bin');
const TYPES = resolve(ROOT, '.local/api-client/groundwork.d.ts');
const FLOW_TSCONFIG = resolve(import.meta.dirname, 'client/tsconfig.json');
// Imported by path at run time: the root type-check, which runs before any types are
// generated, must not follow it. The test's own tsc checks it instead.
const FLOW = resolve(import.meta.dirname, 'client/flow.ts');

/**
 * What an API consumer does: generate TypeScript types from the served /openapi.json
 * with openapi-typescript, write a flow against them with openapi-fetch, compile it,
 * run it. An API change that breaks generated clients fails the type-check here.
 */
describe('a client generated from /openapi.json (openapi-typescript + openapi-fetch)', () => {
  const app = useTestApp();
  before(async function () {
    this.timeout(120_000);
    await resetData(app.deps);
    await mkdir(resolve(TYPES, '..'), { recursive: true });
    // --default-non-nullable=false: a field with a default (currency) stays optional in
    // request bodies, as the server treats it (openapi-typescript issue #2012).
    const args = [`${app.url}/openapi.json`, '--default-non-nullable=false', '-o', TYPES];
    const generated = await runCommand(resolve(BIN, 'openapi-typescript'), args);
    expect(generated.code, generated.stdout + generated.stderr).to.equal(0);
  });

  it('when the types are generated from a replica’s document, then they and the typed flow type-check', async function () {
    this.timeout(120_000);
    const checked = await runCommand(resolve(BIN, 'tsc'), ['-p', FLOW_TSCONFIG]);
    expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
  });

  it('when the typed flow runs against a real replica, then every step answers as the document says', async function () {
    this.timeout(60_000);
    const { runMainFlow } = (await import(FLOW)) as {
      runMainFlow: (baseUrl: string) => Promise<string[]>;
    };
    const steps = await runMainFlow(app.url);
    console.log(`      client flow: ${steps.join('; ')}`);
    expect(steps).to.have.length(7);
  });
});
