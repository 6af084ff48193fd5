import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { useTestApp } from '../../support/app-harness.js';
import { runCommand } from '../../support/commands.js';
import { call } from '../../support/http.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SPECTRAL = resolve(ROOT, 'node_modules/.bin/spectral');
// spectral:oas (every rule) plus groundwork's conventions; rules switched off say why.
const RULESET = resolve(ROOT, '.spectral.yaml');
const SEVERITIES = ['error', 'warning', 'info', 'hint'];

interface Finding {
  code: string;
  path: string[];
  message: string;
  severity: number;
}

/**
 * The served /openapi.json through Spectral, the linter API gateways and client
 * generators' users run: the document must give them not one warning.
 */
describe('the OpenAPI document against Spectral (spectral:oas and .spectral.yaml)', () => {
  const app = useTestApp();

  it('when Spectral lints the /openapi.json a replica serves, then 0 errors and 0 warnings', async function () {
    this.timeout(120_000);
    const findings = await lint(`${app.url}/openapi.json`);
    console.log(`      spectral: ${summary(findings)}`);
    expect(findings.filter((f) => f.severity <= 1).map(describeFinding)).to.deep.equal([]);
  });

  it('when a route is added without operationId, tag, summary, description, 401 or problem+json, then Spectral flags each', async function () {
    this.timeout(120_000);
    const { body: document } = await call(app.url, '/openapi.json');
    document.paths['/auth/password'] = {
      post: {
        security: [{ bearerAuth: [] }],
        responses: {
          '204': { description: 'Changed' },
          '400': { description: 'Bad', content: { 'application/json': { schema: {} } } },
        },
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'groundwork-spectral-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document));
      const findings = await lint(file);
      const flagged = findings
        .filter((f) => f.path.slice(0, 2).join(' ') === 'paths /auth/password')
        .map((f) => f.code);
      expect(flagged).to.include.members([
        'operation-operationId',
        'operation-tags',
        'operation-description',
        'groundwork-operation-summary',
        'groundwork-secured-documents-401',
        'groundwork-errors-are-problems',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function lint(target: string): Promise<Finding[]> {
  const args = ['lint', '--ruleset', RULESET, '--format', 'json', '--quiet', target];
  const { stdout, stderr } = await runCommand(SPECTRAL, args);
  try {
    return JSON.parse(stdout) as Finding[];
  } catch {
    throw new Error(`spectral printed no JSON report:\n${stdout}\n${stderr}`);
  }
}

function summary(findings: Finding[]): string {
  return SEVERITIES.map(
    (name, severity) => `${findings.filter((f) => f.severity === severity).length} ${name}s`,
  ).join(', ');
}

function describeFinding(f: Finding): string {
  return `${SEVERITIES[f.severity] ?? f.severity} ${f.code} at ${f.path.join('.')}: ${f.message}`;
}
