import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { CONFIG_VARIABLES } from '../../../app/config/config.js';

describe('README configuration table', () => {
  it('when a variable is added to the config, then the README documents it', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
  });
});
