/**
 * PayPal MassPay export rules: approved unpaid sales and clawbacks per partner in one currency, at or above the
 * threshold; partners without a usable PayPal email left out and listed separately; administrators only.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { openSession } from '../../src/auth/sessions.js';
import { massPayExport } from '../../src/reports/index.js';
import { recordCase } from '../support/adversarial.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { download, parseCsv } from './expected.js';
import { at, commission, insertPartner, insertProgram } from './fixtures.js';

/** The file's rows without the unique id column, after checking every row has one of this file's batch. */
function payees(text: string): string[][] {
  const rows = parseCsv(text);
  const batches = new Set(rows.map((r) => /^(pg\d{6}[0-9a-f]{6})-\d+$/.exec(r[3] ?? '')?.[1]));
  expect(batches.size, `one batch key per file: ${[...batches].join(', ')}`).to.be.at.most(1);
  expect(batches.has(undefined), 'every row has a unique id').to.equal(false);
  for (const r of rows) expect(r[3]!.length, 'PayPal takes at most 30 characters').to.be.at.most(30);
  return rows.map((r) => r.slice(0, 3));
}

function sink() {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
  });
  return { w, text: () => Buffer.concat(chunks).toString('utf8') };
}

forEachStore('reports: PayPal MassPay export', (ctx) => {
  let tg: TestGateway;
  const ids: Record<string, number> = {};

  before(async () => {
    await clearTables(ctx.store);
    const db = ctx.store.db;
    const usd = await insertProgram(db, 'USD program', 'USD');
    const t = at('2026-03-01T00:00:00Z');
    const partner = async (key: string, paypal: string | null, name = `Name ${key}`) => {
      ids[key] = await insertPartner(db, { programId: usd, code: key, paypal, first_name: name });
      return ids[key]!;
    };
    const rows = [
      commission(await partner('p1', 'p1@pay.test'), { transaction_at: t, amount_cents: 3000 }),
      commission(ids.p1!, { transaction_at: t, amount_cents: 2500 }),
      commission(await partner('p2', 'p2@pay.test'), { transaction_at: t, amount_cents: 4000 }),
      commission(await partner('p3', null), { transaction_at: t, amount_cents: 6000 }),
      commission(await partner('p4', '=HYPERLINK("http://evil")@x.test', '=Evil'), { transaction_at: t, amount_cents: 7000 }),
      commission(await partner('p5', 'p5@pay.test'), { transaction_at: t, amount_cents: 7000 }),
      commission(ids.p5!, { transaction_at: t, kind: 'clawback', amount_cents: -2500 }),
      commission(await partner('p6', 'p6@pay.test'), { transaction_at: t, status: 'pending', amount_cents: 9000 }),
      commission(ids.p6!, { transaction_at: t, status: 'paid', amount_cents: 9000, paid_at: t }),
      commission(ids.p6!, { transaction_at: t, status: 'declined', amount_cents: 9000 }),
      commission(ids.p6!, { transaction_at: t, status: 'refunded', amount_cents: 9000 }),
      commission(await partner('p7', 'p7@pay.test'), { transaction_at: t, amount_cents: 6000, currency: 'EUR' }),
      commission(await partner('p8', 'p8@pay.test'), { transaction_at: t, amount_cents: 6000, payout_id: 999 }),
      commission(await partner('p9', '  p9@pay.test '), { transaction_at: t, amount_cents: 5000 }),
      commission(await partner('p10', ''), { transaction_at: t, amount_cents: 8000 }),
      commission(await partner('p11', 'no-at-sign.test'), { transaction_at: t, amount_cents: 8000 }),
    ];
    await db.insertInto('commissions').values(rows).execute();
    tg = await startTestGateway(ctx.store);
  });
  after(async () => tg?.close());

  it('pays approved unpaid balances at or above the threshold, per currency, to valid PayPal emails only', async () => {
    const out = sink();
    const summary = await massPayExport(ctx.store.db, { threshold: 5000, currency: 'USD' }, out.w);
    expect(out.text().startsWith('p1@pay.test'), 'no header row').to.equal(true);
    expect(payees(out.text())).to.deep.equal([
      ['p1@pay.test', '55.00', 'USD'],
      ['p9@pay.test', '50.00', 'USD'],
    ]);
    expect(summary).to.deep.include({ currency: 'USD', payees: 2, totalCents: 10_500 });
    expect(summary.skipped.map((s) => [s.partnerId, s.reason, s.amountCents])).to.deep.equal([
      [ids.p3, 'no_paypal_email', 6000],
      [ids.p4, 'invalid_paypal_email', 7000],
      [ids.p10, 'no_paypal_email', 8000],
      [ids.p11, 'invalid_paypal_email', 8000],
    ]);
    expect(recordCase('CSV formula injection', 'masspay: formula-looking PayPal email left out', !out.text().includes('HYPERLINK'))).to.equal(true);

    const lower = sink();
    await massPayExport(ctx.store.db, { threshold: 4000, currency: 'USD' }, lower.w);
    expect(parseCsv(lower.text()).map((r) => r[0])).to.deep.equal(['p1@pay.test', 'p2@pay.test', 'p5@pay.test', 'p9@pay.test']);
    expect(payees(lower.text())[2]).to.deep.equal(['p5@pay.test', '45.00', 'USD']); // the clawback is deducted

    const eur = sink();
    await massPayExport(ctx.store.db, { threshold: 0, currency: 'EUR' }, eur.w);
    expect(payees(eur.text())).to.deep.equal([['p7@pay.test', '60.00', 'EUR']]);
  });

  it('admin routes: the MassPay file, the skipped list (neutralised), an audit row; partners are refused', async () => {
    const adminPartner = await insertPartner(ctx.store.db, { programId: (await ctx.store.db.selectFrom('programs').select('id').executeTakeFirstOrThrow()).id, code: 'admin' });
    const admin = await signInAs(tg, adminPartner, { email: 'admin@partners.test' });
    await ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', admin.accountId).execute();

    const file = await download(tg, admin, '/partner-center/admin/exports/masspay.csv?threshold=50.00&currency=USD');
    expect(file.status).to.equal(200);
    expect(file.headers['content-disposition']).to.match(/^attachment; filename="partnergate-masspay-USD-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(file.headers['cache-control']).to.equal('private, no-store');
    expect(payees(file.body)).to.deep.equal([
      ['p1@pay.test', '55.00', 'USD'],
      ['p9@pay.test', '50.00', 'USD'],
    ]);
    const audit = await ctx.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'export.masspay').execute();
    expect(audit.map((r) => [r.actor_account_id, JSON.parse(r.details_json!)])).to.deep.equal([[admin.accountId, { currency: 'USD', thresholdCents: 5000 }]]);

    const skipped = parseCsv((await download(tg, admin, '/partner-center/admin/exports/masspay-skipped.csv?threshold=50&currency=USD')).body);
    expect(skipped[0]).to.deep.equal(['partner_id', 'name', 'referral_code', 'paypal_email', 'amount', 'currency', 'reason']);
    expect(skipped.slice(1).map((r) => [r[0], r[1], r[3], r[4], r[6]])).to.deep.equal([
      [String(ids.p3), 'Name p3', '', '60.00', 'no_paypal_email'],
      [String(ids.p4), "'=Evil", '\'=HYPERLINK("http://evil")@x.test', '70.00', 'invalid_paypal_email'],
      [String(ids.p10), 'Name p10', '', '80.00', 'no_paypal_email'],
      [String(ids.p11), 'Name p11', 'no-at-sign.test', '80.00', 'invalid_paypal_email'],
    ]);

    for (const [query, field] of [['threshold=-1', 'threshold'], ['threshold=abc', 'threshold'], ['currency=dollars', 'currency']]) {
      const res = await request(tg.url).get(`/partner-center/admin/exports/masspay.csv?${query}`).set('Cookie', admin.cookie).set('Accept', 'application/json');
      expect(res.status, query).to.equal(400);
      expect(res.body.error.field).to.equal(field);
    }

    // An administrator with no partner of their own (the usual case) gets the same file.
    const soloAdmin = await ctx.store.db
      .insertInto('accounts')
      .values({ partner_id: null, email: 'ops@partners.test', role: 'admin', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const solo = await openSession(ctx.store.db, tg.gateway.deps.sessionPolicy, { accountId: soloAdmin.id, method: 'password' });
    const soloFile = await request(tg.url).get('/partner-center/admin/exports/masspay.csv?threshold=50.00&currency=USD').set('Cookie', `${tg.gateway.deps.cookies.session}=${solo.cookieValue}`);
    expect(soloFile.status).to.equal(200);
    expect(payees(soloFile.text)).to.deep.equal(payees(file.body));
    const anonymous = await request(tg.url).get('/partner-center/admin/exports/masspay.csv').set('Accept', 'application/json');
    expect(anonymous.status).to.equal(401);

    const partner = await signInAs(tg, ids.p1!);
    for (const path of ['masspay.csv', 'masspay-skipped.csv']) {
      const res = await request(tg.url).get(`/partner-center/admin/exports/${path}`).set('Cookie', partner.cookie).set('Accept', 'application/json');
      expect(recordCase('privilege escalation', `partner fetching admin ${path}`, res.status === 403), String(res.status)).to.equal(true);
    }
  });
});
