/** docs/cli.md is "every CLI command, option and exit code": checked against the commander tree itself. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildProgram } from '../../src/admin/cli/program.js';
import { ExitCode } from '../../src/admin/cli/exit-codes.js';
import { captureIo } from '../admin/support/fixtures.js';

function leaves(cmd: Command, prefix: string[] = []): Array<{ path: string; options: string[] }> {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    const options = c.options.filter((o) => !o.hidden && o.long && o.long !== '--help').map((o) => (o.negate ? o.long! : o.long!));
    return c.commands.length ? leaves(c, path) : [{ path: path.join(' '), options }];
  });
}

// The whole tree (every command's module), built before mocha collects the tests below.
const io = captureIo();
const commands = leaves(await buildProgram({ stdout: io.stdout, stderr: io.stderr }, { code: 0 }));

describe('docs/cli.md', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

  for (const { path, options } of commands) {
    it(`documents \`${path}\` and each of its options`, () => {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${path}`));
      expect(row, `a row for ${path} in the commands table`).to.not.equal(undefined);
      // SELECTORS in a row stands for the selector options, documented once under "Credentials".
      const selectors = /^Selectors add up:[\s\S]*?\n\n/m.exec(doc)?.[0] ?? '';
      for (const option of options) {
        const where = row!.includes(option) ? row! : row!.includes('SELECTORS') ? selectors : row!;
        expect(where, `${path} ${option}`).to.contain(option);
      }
    });
  }

  it('documents every exit code', () => {
    for (const code of Object.values(ExitCode)) expect(doc).to.match(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
