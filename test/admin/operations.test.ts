/**
 * The CLI around the other capabilities: --help everywhere, db/config, demo-data, sync (emulator), tiers, groups,
 * payouts masspay, with --json and --dry-run and the documented exit codes.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, commandNamed, runCli } from '../../src/admin/cli/program.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { forEachStore } from '../support/store.js';
import { captureIo, clearAll } from './support/fixtures.js';

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('admin CLI: help', () => {
  it('every command answers --help with its usage and exit code 0', async () => {
    const io = captureIo();
    const paths = commandPaths(await buildProgram({ stdout: io.stdout, stderr: io.stderr }, { code: 0 }));
    expect(paths.map((p) => p.join(' '))).to.include.members(['db migrate', 'db check', 'db backup', 'config check', 'config doc', 'demo-data', 'sync', 'tiers evaluate', 'groups list', 'groups export', 'payouts masspay', 'credentials issue', 'credentials resend', 'credentials revoke', 'mail drain', 'migrate', 'partner-center pages']);
    for (const path of [[], ...paths]) {
      const out = captureIo();
      const code = await runCli([...path, '--help'], { stdout: out.stdout, stderr: out.stderr });
      expect(code, path.join(' ')).to.equal(0);
      expect(out.chunks.out, path.join(' ')).to.contain(`Usage: partnergate${path.length ? ` ${path.join(' ')}` : ''}`);
    }
  });

  it('builds only the command argv names (options may come first); help and unknown words get every command', async () => {
    expect(commandNamed(['--json', 'migrate', 'situation-2', 'apply'])).to.equal('migrate');
    expect(commandNamed(['mail', 'drain'])).to.equal('mail');
    expect(commandNamed(['--help'])).to.equal(undefined);
    expect(commandNamed(['help', 'migrate'])).to.equal(undefined);
    expect(commandNamed(['migrat'])).to.equal(undefined);
    const io = captureIo();
    expect((await buildProgram({ stdout: io.stdout, stderr: io.stderr }, { code: 0 }, 'mail')).commands.map((c) => c.name())).to.deep.equal(['mail']);
    const typo = captureIo();
    expect(await runCli(['migrat'], { stdout: typo.stdout, stderr: typo.stderr })).to.equal(2);
    expect(typo.chunks.err).to.contain("(Did you mean migrate?)");
  });

  it('config doc prints the configuration reference without needing a valid configuration', async () => {
    const io = captureIo();
    const code = await runCli(['config', 'doc'], { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_PORT: 'not a port' } } });
    expect(code).to.equal(0);
    expect(io.chunks.out).to.contain('| `PARTNERGATE_CREDENTIAL_TTL_HOURS` |');
  });
});

forEachStore('admin CLI: operations', (ctx) => {
  let emulator: OntraportEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'pg-cli-'));
  const env = () => ({
    PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ONTRAPORT_BASE_URL: emulator.baseUrl, PARTNERGATE_ONTRAPORT_APP_ID: emulator.appId,
    PARTNERGATE_ONTRAPORT_API_KEY: emulator.apiKey, PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE: '100000',
  });
  async function cli(...args: string[]) {
    const io = captureIo();
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env: env(), store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
  }
  before(async () => {
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    emulator.seed({ programs: 2, partners: 4, contacts: 10, purchases: 6, seed: 3 });
    await clearAll(ctx.store);
  });
  after(async () => {
    await emulator.stop();
  });

  it('db migrate and config check', async () => {
    const dry = await cli('--json', 'db', 'migrate', '--dry-run');
    expect(dry.code).to.equal(0);
    expect(dry.json().pending).to.deep.equal([]);
    const check = await cli('--json', 'config', 'check');
    expect(check.code, check.err).to.equal(0);
    expect(check.json()).to.include({ store: ctx.kind, ontraport: true, smtp: false });
    expect(check.json().warnings.join(' ')).to.contain('PARTNERGATE_SMTP_URL');
  });

  it('sync: --dry-run calls nothing; a full sync imports the partners and reports per object', async () => {
    const before = emulator.log.length;
    const dry = await cli('--json', 'sync', '--full', '--dry-run');
    expect(dry.code).to.equal(0);
    expect(emulator.log.length).to.equal(before);
    const run = await cli('--json', 'sync', '--full');
    expect(run.code, run.err).to.equal(0);
    expect(run.json().objects.find((o: { object: string }) => o.object === 'partners').upserted).to.equal(4);
    const bad = await cli('sync', '--objects', 'partners,nope');
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain('objects: unknown object type nope');
  });

  it('demo-data, tiers evaluate --dry-run, groups list/export, payouts masspay', async () => {
    await clearAll(ctx.store);
    const dryDemo = await cli('--json', 'demo-data', '--partners', '6', '--commissions', '80', '--dry-run');
    expect(dryDemo.code).to.equal(0);
    expect(await ctx.store.db.selectFrom('partners').select('id').execute()).to.have.length(0);
    const demo = await cli('--json', 'demo-data', '--seed', '7', '--partners', '6', '--commissions', '80');
    expect(demo.code, demo.err).to.equal(0);
    expect(demo.json().rows.partners).to.equal(6);
    expect(demo.json().rowsPerSecond).to.be.greaterThan(0);

    const tiers = await cli('--json', 'tiers', 'evaluate', '--dry-run');
    expect(tiers.code, tiers.err).to.be.oneOf([0, 4]);
    expect(tiers.json().dryRun).to.equal(true);
    expect(tiers.json().evaluated).to.be.greaterThan(0);

    const groups = await cli('--json', 'groups', 'list');
    expect(groups.code).to.equal(0);
    const names = groups.json().groups.map((g: { name: string }) => g.name);
    if (names.length) {
      const file = join(dir, `group-${ctx.kind}.csv`);
      const exp = await cli('--json', 'groups', 'export', names[0], '--output', file);
      expect(exp.code, exp.err).to.equal(0);
      expect(readFileSync(file, 'utf8').split('\n')[0]).to.match(/^partner_id,first_name,last_name,email,program,status,currency/);
    }
    const viaGroup = await cli('--json', 'credentials', 'issue', '--group', 'top_partners_last_year', '--dry-run');
    expect(viaGroup.code, viaGroup.err).to.be.oneOf([0, 4]);
    expect(viaGroup.json().selection).to.equal('group top_partners_last_year');
    const members = await cli('--json', 'groups', 'export', 'top_partners_last_year', '--output', join(dir, `top-${ctx.kind}.csv`));
    expect(viaGroup.json().rows.length).to.equal(members.json().members);
    const unknown = await cli('groups', 'export', 'no-such-group');
    expect(unknown.code).to.equal(2);

    const file = join(dir, `masspay-${ctx.kind}.csv`);
    const pay = await cli('--json', 'payouts', 'masspay', '--threshold', '0.01', '--currency', 'USD', '--output', file);
    expect(pay.code, pay.err).to.be.oneOf([0, 4]);
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/).filter(Boolean);
    expect(lines.length).to.equal(pay.json().payees);
    for (const line of lines) expect(line).to.match(/^[^,]+@[^,]+,\d+\.\d{2},USD,pg\d{6}[0-9a-f]{6}-\d+$/);
    const badAmount = await cli('payouts', 'masspay', '--threshold', 'ten');
    expect(badAmount.code).to.equal(2);
    expect(badAmount.err).to.contain('threshold: "ten" must be an amount');
  });
});
