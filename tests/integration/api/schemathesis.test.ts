import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { runCommand } from '../../support/commands.js';
import { signInAdmin } from '../../support/sign-up.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCHEMATHESIS = resolve(ROOT, '.local/venv/bin/schemathesis');
// Examples per operation; CI time grows linearly with it (about 14 operations).
const MAX_EXAMPLES = process.env.SCHEMATHESIS_EXAMPLES ?? '100';

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
].join(',');

/**
 * Property-based testing from our own /openapi.json: schemathesis generates valid and
 * invalid requests for every operation and checks each answer against the document.
 */
describe('the API against its OpenAPI document (schemathesis)', () => {
  let app: TestApp;

  before(async () => {
    // Lifted limits, so generated writes reach the handlers instead of stopping at 429.
    app = await startTestApp({ RATE_LIMIT_SCALE: '1000' });
    await resetData(app.deps);
  });
  after(async () => {
    await app.stop();
  });

  it('when schemathesis generates requests for every operation, then no server error and no response breaks the schema', async function () {
    this.timeout(15 * 60 * 1000);
    expect(existsSync(SCHEMATHESIS), 'run `make install` first').to.equal(true);
    const token = await signInAdmin(app.url);
    const args = [
      'run',
      `${app.url}/openapi.json`,
      '--checks',
      CHECKS,
      '--max-examples',
      MAX_EXAMPLES,
      '--phases',
      'examples,coverage,fuzzing,stateful',
      // One worker: with two, schemathesis under CPython 3.11 sometimes crashes in its
      // own code (a KeyError after "1967 generated, 1967 passed" in a clean-clone run;
      // python/cpython#106905), failing the test with no server fault found.
      '--workers',
      '1',
      '--seed',
      '1',
      '--header',
      `Authorization: Bearer ${token}`,
      '--suppress-health-check',
      'all',
      // Logging out would end the token every other operation runs with; logout has
      // its own integration tests.
      '--exclude-path',
      '/auth/logout',
    ];
    const { code, stdout, stderr } = await runCommand(SCHEMATHESIS, args);
    const output = stdout + stderr;
    const summary = output
      .split('\n')
      .filter((line) => /passed|failed|Test cases|operations/i.test(line));
    console.log(`      schemathesis: ${summary.slice(-4).join(' | ')}`);
    expect(code, output.slice(-6000)).to.equal(0);
  });
});
