/**
 * Looking never changes the store: `config check` and every command's `--dry-run`, run against a SQLite store
 * file as an operator would (the CLI opens it from PARTNERGATE_SQLITE_PATH), leave every table's rows and the
 * schema exactly as they were. A store whose schema is behind is reported, not migrated.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Migrator } from 'kysely';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../src/admin/cli/program.js';
import { openStore } from '../../src/store/index.js';
import { migrationsFor } from '../../src/store/migrate.js';
import { captureIo } from './support/fixtures.js';

/** Every table's rows (and the schema) in a stable order: equal dumps mean nothing was written. */
function dump(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const schema = db.prepare("select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as Array<{ type: string; name: string }>;
    const tables = schema.filter((s) => s.type === 'table').map((s) => s.name);
    const rows = Object.fromEntries(tables.map((t) => [t, db.prepare(`select * from "${t.replace(/"/g, '""')}" order by rowid`).all()]));
    return JSON.stringify({ schema, rows }, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v));
  } finally {
    db.close();
  }
}

function dryRunCommands(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [...(c.options.some((o) => o.long === '--dry-run') ? [path.join(' ')] : []), ...dryRunCommands(c, path)];
  });
}

/** PayPal's result file for the MassPay file the set-up writes (`payouts confirm --dry-run` reads it). */
const PAYPAL_RESULT = join(mkdtempSync(join(tmpdir(), 'pg-readonly-paypal-')), 'result.csv');

/** One run of each command's --dry-run (with what it needs to get past its own checks). */
const dryRuns: Record<string, string[][]> = {
  'payouts confirm': [['payouts', 'confirm', '--file', PAYPAL_RESULT, '--dry-run']],
  'db migrate': [['db', 'migrate', '--dry-run']],
  'demo-data': [['demo-data', '--partners', '3', '--commissions', '5', '--dry-run']],
  sync: [['sync', '--dry-run'], ['sync', '--full', '--dry-run']],
  'tiers evaluate': [['tiers', 'evaluate', '--dry-run']],
  'credentials issue': [['credentials', 'issue', '--all', '--dry-run']],
  'credentials resend': [['credentials', 'resend', '--all', '--reinstate', '--dry-run']],
  'credentials revoke': [['credentials', 'revoke', '--all', '--dry-run']],
  'mail drain': [['mail', 'drain', '--dry-run'], ['mail', 'send-queued', '--dry-run']],
  migrate: [
    ['migrate', 'situation-1', 'apply', '--dry-run'],
    ['migrate', 'situation-2', 'apply', '--dry-run', '--wp-url', 'http://127.0.0.1:1', '--wp-user', 'admin', '--wp-app-password', 'unused'], // WordPress unreachable: a plan with a blocker (exit 2)
  ],
  'partner-center pages': [['partner-center', 'pages', '--set', 'dashboard,settings', '--dry-run']],
  'admin create': [['admin', 'create', '--email', 'new-admin@example.test', '--password-stdin', '--dry-run']],
  'admin invite': [['admin', 'invite', '--email', 'invited@example.test', '--dry-run']],
  'admin disable': [['admin', 'disable', '--email', 'ops@example.test', '--dry-run']],
  'partners erase': [['partners', 'erase', '1', '--dry-run']],
};

describe('admin CLI: config check and --dry-run never change the store (SQLite file)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'pg-readonly-'));
  const path = join(dir, 'store.sqlite');
  const env = {
    PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_SQLITE_PATH: path, PARTNERGATE_SMTP_URL: 'smtp://127.0.0.1:1',
    PARTNERGATE_ONTRAPORT_BASE_URL: 'http://127.0.0.1:1', PARTNERGATE_ONTRAPORT_APP_ID: '2_1', PARTNERGATE_ONTRAPORT_API_KEY: 'key-for-tests',
  };
  async function cli(args: string[], input = 'a long admin password 42') {
    const io = captureIo();
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, stdin: Readable.from([input]), overrides: { env } });
    return { code, out: io.chunks.out, err: io.chunks.err };
  }

  before(async () => {
    // A store with something in every corner a dry run could touch: partners, accounts, an outbox, an admin.
    for (const args of [['demo-data', '--partners', '4', '--commissions', '20'], ['credentials', 'issue', '--partner', '1', '2', '--no-send'], ['admin', 'create', '--email', 'ops@example.test', '--password-stdin']]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).to.be.oneOf([0, 4]);
    }
    // A MassPay file (a batch in the store) and PayPal's answer to it, every row completed.
    const raw = new Database(path);
    raw.exec("update partners set paypal_email = 'p' || id || '@pay.test'; update commissions set status = 'approved', kind = 'sale', currency = 'USD', amount_cents = 1000, payout_id = null where id in (select id from commissions order by id limit 3)");
    raw.close();
    const masspay = join(dir, 'masspay.csv');
    const pay = await cli(['payouts', 'masspay', '--threshold', '0.01', '--currency', 'USD', '--output', masspay]);
    expect(pay.code, pay.err).to.be.oneOf([0, 4]);
    const rows = readFileSync(masspay, 'utf8').trim().split(/\r?\n/).filter(Boolean);
    expect(rows.length, 'the demo data has payees').to.be.greaterThan(0);
    writeFileSync(PAYPAL_RESULT, ['Recipient,Amount,Currency,Unique ID,Status,Transaction ID', ...rows.map((l, i) => `${l},Completed,TX${i}`)].join('\r\n'));
  });

  it('lists a dry run for every command that has --dry-run', async () => {
    const io = captureIo();
    expect(dryRunCommands(await buildProgram({ stdout: io.stdout, stderr: io.stderr }, { code: 0 })).sort()).to.deep.equal(Object.keys(dryRuns).sort());
  });

  for (const [name, runs] of Object.entries(dryRuns)) {
    it(`${name} --dry-run leaves every table as it was`, async () => {
      for (const args of runs) {
        const before = dump(path);
        const r = await cli(args);
        expect(dump(path), `${args.join(' ')} (exit ${r.code}: ${r.err})`).to.equal(before);
        // Each ran to its decisions (4: resend reports partners without an account yet), except where noted.
        expect(r.code, `${args.join(' ')}: ${r.err}`).to.equal(args.includes('resend') ? 4 : args.includes('situation-2') ? 2 : 0);
      }
    });
  }

  it('config check leaves the store as it was', async () => {
    const before = dump(path);
    const r = await cli(['--json', 'config', 'check']);
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out).schemaPending).to.equal(0);
    expect(dump(path)).to.equal(before);
  });

  describe('a store whose schema is behind', () => {
    const behind = join(dir, 'behind.sqlite');
    const last = Object.keys(migrationsFor('sqlite')).at(-1)!;
    before(async () => {
      const store = await openStore({ kind: 'sqlite', path: behind });
      const migrations = migrationsFor('sqlite');
      const names = Object.keys(migrations);
      const { error } = await new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } }).migrateTo(names.at(-2)!);
      await store.close();
      if (error) throw error;
    });
    const run = async (args: string[]) => {
      const io = captureIo();
      const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env: { ...env, PARTNERGATE_SQLITE_PATH: behind } } });
      return { code, out: io.chunks.out, err: io.chunks.err };
    };

    it('config check reports it and how to apply the migrations, exits 0 (the next start applies them), migrates nothing', async () => {
      const before = dump(behind);
      expect(before).to.not.contain(last);
      const r = await run(['config', 'check']);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.contain('schema 1 migration behind; `partnergate db migrate` (or start the gateway) applies them');
      expect(dump(behind)).to.equal(before);
    });

    it('a dry run refuses it (exit 3) rather than migrating it', async () => {
      const before = dump(behind);
      const r = await run(['credentials', 'revoke', '--all', '--dry-run']);
      expect(r.code).to.equal(3);
      expect(r.err).to.contain('schema 1 migration behind');
      expect(dump(behind)).to.equal(before);
    });
  });
});
