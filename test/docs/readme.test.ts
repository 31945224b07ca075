import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { configReferenceMarkdown } from '../../src/config/index.js';

describe('README', () => {
  it('documents exactly the settings the config module accepts', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
    expect(m, 'config reference markers').to.not.equal(null);
    expect(m![1]!.trim()).to.equal(configReferenceMarkdown().trim());
  });
});
