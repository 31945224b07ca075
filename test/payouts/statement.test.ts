/**
 * What a partner sees of payouts: the payout list, each payout's statement page and CSV (its commissions, text
 * cells formula-safe), the ledger's payment linking to it, the balance; all scoped to the signed-in partner:
 * another partner's payout id answers 404 on the page and the CSV, like an id that does not exist.
 */
import { expect } from 'chai';
import request from 'supertest';
import { groupPaidCommissions } from '../../src/payouts/index.js';
import { recordCase } from '../support/adversarial.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { parseCsv } from '../reports/expected.js';
import { at, commission, insertPartner, insertProgram } from '../reports/fixtures.js';
import { testId } from '../web/fixture.js';

forEachStore('payouts: statements in the partner center', (ctx) => {
  let tg: TestGateway;
  let a: number;
  let b: number;
  let payoutA: number;
  let payoutB: number;

  before(async () => {
    await clearTables(ctx.store);
    const db = ctx.store.db;
    const usd = await insertProgram(db, 'USD program', 'USD');
    a = await insertPartner(db, { programId: usd, code: 'a' });
    b = await insertPartner(db, { programId: usd, code: 'b' });
    const t = at('2026-03-01T00:00:00Z');
    const paidAt = Date.now() - 86_400_000;
    await db.insertInto('commissions').values([
      commission(a, { transaction_at: t, status: 'paid', paid_at: paidAt, amount_cents: 2500, sub_id: '=HYPERLINK("http://evil")' }),
      commission(a, { transaction_at: t, status: 'paid', paid_at: paidAt, amount_cents: 1500 }),
      commission(a, { transaction_at: t, status: 'approved', amount_cents: 700 }),
      commission(b, { transaction_at: t, status: 'paid', paid_at: paidAt, amount_cents: 9000 }),
    ]).execute();
    await groupPaidCommissions(db, { now: Date.now() });
    payoutA = (await db.selectFrom('payouts').select('id').where('partner_id', '=', a).executeTakeFirstOrThrow()).id;
    payoutB = (await db.selectFrom('payouts').select('id').where('partner_id', '=', b).executeTakeFirstOrThrow()).id;
    tg = await startTestGateway(ctx.store);
  });
  after(async () => tg?.close());

  const get = async (partnerId: number, path: string) => {
    const s = await signInAs(tg, partnerId);
    return request(tg.url).get(path).set('Cookie', s.cookie);
  };

  it('lists the partner\'s payouts and shows a statement with its commissions; the balance is earned minus paid', async () => {
    const list = await get(a, '/partner-center/payouts');
    expect(list.status).to.equal(200);
    expect(list.text.match(/data-testid="payout-row"/g)).to.have.length(1);
    expect(list.text).to.contain(`/partner-center/payouts/${payoutA}`);
    expect(list.text).to.not.contain(`/partner-center/payouts/${payoutB}"`);

    const page = await get(a, `/partner-center/payouts/${payoutA}`);
    expect(page.status).to.equal(200);
    expect(testId(page.text, 'payout-amount')).to.equal('$40.00');
    expect(testId(page.text, 'statement-count')).to.equal('2');

    const dashboard = await get(a, '/partner-center/');
    expect(testId(dashboard.text, 'balance')).to.equal('$7.00');
    const earnings = await get(a, '/partner-center/earnings');
    expect(earnings.text).to.contain(`href="/partner-center/payouts/${payoutA}"`);
  });

  it('the statement CSV lists the payout\'s commissions, formula-safe', async () => {
    const csv = await get(a, `/partner-center/payouts/${payoutA}/statement.csv`);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    expect(csv.headers['cache-control']).to.equal('private, no-store');
    const rows = parseCsv(csv.text);
    expect(rows[0]).to.deep.equal(['payout_id', 'paid_at', 'method', 'reference', 'payout_amount', 'currency', 'commission_id', 'kind', 'status', 'transaction_at', 'product', 'customer', 'sub_id', 'amount']);
    expect(rows.slice(1).map((r) => [r[0], r[4], r[13]])).to.deep.equal([[String(payoutA), '40.00', '25.00'], [String(payoutA), '40.00', '15.00']]);
    expect(recordCase('CSV formula injection', 'payout statement: SubID', rows[1]![12] === '\'=HYPERLINK("http://evil")')).to.equal(true);
  });

  it('IDOR: another partner\'s payout id, a missing one and a malformed one all answer 404', async () => {
    for (const path of [`/partner-center/payouts/${payoutB}`, `/partner-center/payouts/${payoutB}/statement.csv`, '/partner-center/payouts/999999', '/partner-center/payouts/1e3', '/partner-center/payouts/-1/statement.csv']) {
      const res = await get(a, path);
      expect(recordCase('IDOR', `payout statement ${path}`, res.status === 404 && !res.text.includes('90.00')), path).to.equal(true);
    }
    expect((await get(b, `/partner-center/payouts/${payoutB}`)).status).to.equal(200);
  });
});
