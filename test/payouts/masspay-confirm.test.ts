/**
 * Confirming a MassPay run from PayPal's result file (`confirmMasspay`, `partnergate payouts confirm`): completed
 * rows become payouts covering exactly the commissions the file paid; failed and unclaimed rows stay unpaid and
 * are listed; a second confirmation records nothing; a bad row records nothing at all and is named; a dry run
 * writes nothing.
 */
import { Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { confirmMasspay, parsePaypalResult } from '../../src/payouts/index.js';
import { massPayExport } from '../../src/reports/index.js';
import { captureIo } from '../admin/support/fixtures.js';
import { at, commission, insertPartner, insertProgram } from '../reports/fixtures.js';
import { clearTables, forEachStore } from '../support/store.js';

async function masspayFile(db: Parameters<typeof massPayExport>[0]): Promise<string[][]> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  await massPayExport(db, { threshold: 100, currency: 'USD' }, out);
  return Buffer.concat(chunks).toString('utf8').trim().split(/\r?\n/).map((l) => l.split(','));
}

/** PayPal's result file for MassPay rows: `status` per recipient (default Completed). */
function paypalResult(rows: string[][], status: Record<string, string> = {}): string {
  return ['Transaction ID,Recipient,Amount,Currency,Status,Unique ID', ...rows.map(([email, amount, currency, id], i) => `TX${i + 1},${email},${amount},${currency},${status[email!] ?? 'Completed'},${id}`)].join('\r\n');
}

describe('payouts: reading PayPal\'s result file', () => {
  it('takes any column order and case, a BOM, quotes and $1,234.50 amounts', () => {
    const parsed = parsePaypalResult('\uFEFFstatus,"Amount",CURRENCY CODE,Recipient Email,reference id\n"Completed","$1,234.50",usd,a@pay.test,pg1-1\nUNCLAIMED,3,EUR,b@pay.test,\n');
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.rows.map((r) => [r.row, r.recipient, r.amountCents, r.currency, r.outcome, r.uniqueId])).to.deep.equal([
      [2, 'a@pay.test', 123_450, 'USD', 'paid', 'pg1-1'],
      [3, 'b@pay.test', 300, 'EUR', 'not_paid', null],
    ]);
  });

  it('names each row and what is wrong with it', () => {
    const parsed = parsePaypalResult('Recipient,Amount,Currency,Status\nnot-an-email,12.00,USD,Completed\na@pay.test,twelve,USD,Completed\na@pay.test,1.00,US,Done\n');
    expect(parsed.problems).to.deep.equal([
      'row 2: recipient "not-an-email" is not an email address',
      'row 3: amount "twelve" is not a positive amount such as 12.34',
      'row 4: currency "US" is not an ISO 4217 code; status "Done" is not a PayPal status (e.g. Completed, Unclaimed, Failed, Returned)',
    ]);
    expect(parsePaypalResult('email,amount\na@pay.test,1\n').problems[0]).to.match(/^row 1: header has no currency, status column/);
    expect(parsePaypalResult('').problems).to.deep.equal(['file: empty (expected a header row and one row per payment)']);
  });
});

forEachStore('payouts: confirming a MassPay run', (ctx) => {
  const ids: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'pg-confirm-'));
  const count = async (table: 'payouts' | 'audit_log') => Number((await ctx.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeEach(async () => {
    await clearTables(ctx.store);
    const db = ctx.store.db;
    const program = await insertProgram(db, 'USD program', 'USD');
    const t = at('2026-03-01T00:00:00Z');
    for (const key of ['a', 'b', 'c']) ids[key] = await insertPartner(db, { programId: program, code: key, paypal: `${key}@pay.test` });
    await db.insertInto('commissions').values([
      commission(ids.a!, { transaction_at: t, amount_cents: 3000 }),
      commission(ids.a!, { transaction_at: t, amount_cents: 2000 }),
      commission(ids.b!, { transaction_at: t, amount_cents: 4000 }),
      commission(ids.c!, { transaction_at: t, amount_cents: 1500 }),
    ]).execute();
  });

  it('records completed rows once, keeps failed and unclaimed rows unpaid, and says what it did', async () => {
    const db = ctx.store.db;
    const rows = await masspayFile(db);
    expect(rows.map((r) => r.slice(0, 3))).to.deep.equal([['a@pay.test', '50.00', 'USD'], ['b@pay.test', '40.00', 'USD'], ['c@pay.test', '15.00', 'USD']]);
    // A commission approved after the file was written is not paid by it.
    await db.insertInto('commissions').values(commission(ids.a!, { transaction_at: at('2026-03-02T00:00:00Z'), amount_cents: 999 })).execute();
    const file = paypalResult(rows, { 'b@pay.test': 'Unclaimed', 'c@pay.test': 'Failed' });

    const first = await confirmMasspay(db, { file, actor: { accountId: null } });
    expect(first.recorded.map((r) => [r.partnerId, r.amountCents, r.transactionId, r.commissions])).to.deep.equal([[ids.a, 5000, 'TX1', 2]]);
    expect(first.notPaid.map((r) => [r.partnerId, r.status])).to.deep.equal([[ids.b, 'Unclaimed'], [ids.c, 'Failed']]);
    const payout = await db.selectFrom('payouts').selectAll().executeTakeFirstOrThrow();
    expect([payout.partner_id, Number(payout.amount_cents), payout.method, payout.reference, payout.source]).to.deep.equal([ids.a, 5000, 'paypal', 'TX1', 'masspay']);
    const covered = await db.selectFrom('commissions').select(['partner_id', 'amount_cents', 'payout_id']).orderBy('id').execute();
    expect(covered.map((c) => [c.partner_id, Number(c.amount_cents), c.payout_id])).to.deep.equal([
      [ids.a, 3000, payout.id], [ids.a, 2000, payout.id], [ids.b, 4000, null], [ids.c, 1500, null], [ids.a, 999, null],
    ]);
    const events = await db.selectFrom('partner_events').select(['kind', 'partner_id', 'subject_id']).execute();
    expect(events).to.deep.equal([{ kind: 'payout_sent', partner_id: ids.a, subject_id: payout.id }]);

    const second = await confirmMasspay(db, { file, actor: { accountId: null } });
    expect(second.recorded).to.deep.equal([]);
    expect(second.alreadyRecorded.map((r) => r.partnerId)).to.deep.equal([ids.a]);
    expect(await count('payouts')).to.equal(1);

    // Unpaid partners are in the next MassPay file; partner a only with what the first file did not pay.
    const next = await masspayFile(db);
    expect(next.map((r) => r.slice(0, 3))).to.deep.equal([['a@pay.test', '9.99', 'USD'], ['b@pay.test', '40.00', 'USD'], ['c@pay.test', '15.00', 'USD']]);
  });

  it('never half: one bad row and nothing is recorded; the problems name the rows', async () => {
    const db = ctx.store.db;
    const rows = await masspayFile(db);
    const good = paypalResult(rows);
    const lines = good.split('\r\n');
    const wrongAmount = [lines[0], lines[1], lines[2]!.replace('40.00', '41.00'), lines[3]!.replace(/pg\w+-\d+$/, 'pg000000000000-9')].join('\r\n');
    const err = await confirmMasspay(db, { file: wrongAmount, actor: { accountId: null } }).then(() => undefined, (e: Error & { code?: string; field?: string }) => e);
    expect(err?.code).to.equal('request.invalid_field');
    expect(err?.field).to.equal('file');
    expect(err?.message).to.contain('row 3: amount 41 USD is not the 40 USD the MassPay file had for');
    expect(err?.message).to.contain('row 4: unique id "pg000000000000-9" is not in any MassPay file Partnergate wrote');
    expect(await count('payouts')).to.equal(0);
    expect((await db.selectFrom('masspay_items').select('status').execute()).map((i) => i.status)).to.deep.equal(['open', 'open', 'open']);
  });

  it('a dry run says what it would record and writes nothing; rows without a unique id match by recipient and amount', async () => {
    const db = ctx.store.db;
    const rows = await masspayFile(db);
    const withoutIds = ['Recipient,Amount,Currency,Status', ...rows.map(([e, a, c]) => `${e},${a},${c},Completed`)].join('\n');
    const auditBefore = await count('audit_log');
    const dry = await confirmMasspay(db, { file: withoutIds, actor: { accountId: null }, dryRun: true });
    expect(dry.dryRun).to.equal(true);
    expect(dry.recorded.map((r) => [r.partnerId, r.amountCents, r.payoutId])).to.deep.equal([[ids.a, 5000, null], [ids.b, 4000, null], [ids.c, 1500, null]]);
    expect(await count('payouts')).to.equal(0);
    expect(await count('audit_log')).to.equal(auditBefore);
    const real = await confirmMasspay(db, { file: withoutIds, actor: { accountId: null } });
    expect(real.recorded).to.have.length(3);
    expect(await count('payouts')).to.equal(3);
  });

  it('partnergate payouts confirm: progress-free --json, exit 4 with unpaid rows, exit 2 naming a bad row, nothing twice', async () => {
    const env = { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent' };
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env, store: ctx.store } });
      return { code, out: io.chunks.out, err: io.chunks.err };
    };
    const rows = await masspayFile(ctx.store.db);
    const file = join(dir, `result-${ctx.kind}.csv`);
    writeFileSync(file, paypalResult(rows, { 'c@pay.test': 'Returned' }));

    const dry = await cli('payouts', 'confirm', '--file', file, '--dry-run');
    expect(dry.code, dry.err).to.equal(4);
    expect(dry.out).to.match(/^\[dry run\] 3 rows: would record 2 payouts \(90\.00\), 0 already recorded, 1 not paid by PayPal/);
    expect(await count('payouts')).to.equal(0);

    const run = await cli('--json', 'payouts', 'confirm', '--file', file);
    expect(run.code, run.err).to.equal(4);
    const json = JSON.parse(run.out) as { recorded: unknown[]; notPaid: Array<{ status: string }> };
    expect(json.recorded).to.have.length(2);
    expect(json.notPaid.map((r) => r.status)).to.deep.equal(['Returned']);
    const again = await cli('payouts', 'confirm', '--file', file);
    expect(again.out).to.contain('recorded 0 payouts (0.00), 2 already recorded');
    expect(await count('payouts')).to.equal(2);

    writeFileSync(file, 'Recipient,Amount,Currency,Status\na@pay.test,50.00,USD,Sent somewhere\n');
    const bad = await cli('payouts', 'confirm', '--file', file);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain('row 2: status "Sent somewhere" is not a PayPal status');
    const missing = await cli('payouts', 'confirm', '--file', join(dir, 'no-such-file.csv'));
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain('file: cannot read');
  });
});
