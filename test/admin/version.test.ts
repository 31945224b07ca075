import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/admin/cli/program.js';
import { captureIo } from './support/fixtures.js';

describe('admin CLI: --version', () => {
  for (const flag of ['--version', '-V']) {
    it(`${flag} prints package.json's version and exits 0, without needing a valid configuration`, async () => {
      const io = captureIo();
      const code = await runCli([flag], { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_PORT: 'not a port' } } });
      expect(code).to.equal(0);
      expect(io.chunks.out.trim()).to.equal((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
    });
  }
});
