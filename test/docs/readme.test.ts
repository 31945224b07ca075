import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { configReferenceMarkdown } from '../../src/config/index.js';

describe('README', () => {
  it('documents exactly the settings the config module accepts', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
    expect(m, 'config reference markers').to.not.equal(null);
    expect(m![1]!.trim()).to.equal(configReferenceMarkdown().trim());
  });

  it("lists every folder of src/ and of the repository in its folder table", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| folder | what it does |'), readme.indexOf('## Configuration'));
    const root = new URL('../../', import.meta.url);
    const folders = (dir: URL, prefix: string, skip: readonly string[]) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !skip.includes(e.name))
        .map((e) => `${prefix}${e.name}/`);
    // Build output, installed packages, local data and git itself are not part of the source tree.
    const expected = [...folders(root, '', ['node_modules', 'dist', 'data', 'test-output', '.git']), ...folders(new URL('src/', root), 'src/', [])];
    const missing = expected.filter((f) => !table.includes(`\`${f}\``));
    expect(missing, 'folders missing from the README folder table').to.deep.equal([]);
  });
});
