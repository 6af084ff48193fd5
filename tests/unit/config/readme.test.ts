import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { CONFIG_VARIABLES, loadConfig } from '../../../app/config/config.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

/** The configuration table's rows that name one variable: [variable, default as written]. */
function documentedDefaults(): [string, string][] {
  return [...readme.matchAll(/^\| `([A-Z0-9_]+)` +\| ([^|]+?) +\|/gm)].map(([, name, value]) => [
    name!,
    value!.replace(/^`(.*)`$/, '$1'),
  ]);
}

describe('README configuration table', () => {
  it('when a variable is added to the config, then the README documents it', () => {
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
  });

  it('when a default changes in the config, then the README states the new one', () => {
    const config: Record<string, unknown> = loadConfig({});
    const rows = documentedDefaults().filter(([name]) => CONFIG_VARIABLES.includes(name));
    expect(rows.length, 'rows read from the table').to.be.greaterThan(25);
    // A default written as another variable's name (CACHE_REDIS_URL: `REDIS_URL`) is that one's.
    const documented = (value: string) =>
      CONFIG_VARIABLES.includes(value) ? String(config[value]) : value;
    const differing = rows
      .filter(([name, value]) => String(config[name]) !== documented(value))
      .map(([name, value]) => `${name}: README ${value}, config ${String(config[name])}`);
    expect(differing).to.deep.equal([]);
  });
});
