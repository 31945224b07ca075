/**
 * Payouts from Ontraport's paid commissions (`groupPaidCommissions`, run after each commissions sync): one payout
 * per partner, currency and UTC paid day, covering exactly those commissions; idempotent; a commission paid
 * later makes a new payout and never joins an old one; clawbacks alone pay nothing.
 */
import { expect } from 'chai';
import { groupPaidCommissions } from '../../src/payouts/index.js';
import { at, commission, insertPartner, insertProgram } from '../reports/fixtures.js';
import { clearTables, forEachStore } from '../support/store.js';

forEachStore('payouts: grouping the commissions Ontraport marks paid', (ctx) => {
  let a: number;
  let b: number;
  const paid = (partnerId: number, iso: string, cents: number, extra: Record<string, unknown> = {}) =>
    commission(partnerId, { transaction_at: at('2026-02-01T00:00:00Z'), status: 'paid', paid_at: at(iso), amount_cents: cents, ...extra });
  const payouts = () => ctx.store.db.selectFrom('payouts').select(['id', 'partner_id', 'amount_cents', 'currency', 'source', 'reference', 'paid_at']).orderBy('id').execute();

  beforeEach(async () => {
    await clearTables(ctx.store);
    const usd = await insertProgram(ctx.store.db, 'USD program', 'USD');
    a = await insertPartner(ctx.store.db, { programId: usd, code: 'a' });
    b = await insertPartner(ctx.store.db, { programId: usd, code: 'b' });
  });

  it('one payout per partner, currency and paid day, linking its commissions; a second run changes nothing', async () => {
    const db = ctx.store.db;
    await db.insertInto('commissions').values([
      paid(a, '2026-03-01T09:00:00Z', 1000),
      paid(a, '2026-03-01T17:00:00Z', 2500),
      paid(a, '2026-03-01T10:00:00Z', -500, { kind: 'clawback' }),
      paid(a, '2026-03-02T09:00:00Z', 700),
      paid(a, '2026-03-01T09:00:00Z', 900, { currency: 'EUR' }),
      paid(b, '2026-03-01T09:00:00Z', 4000),
      commission(b, { transaction_at: at('2026-02-01T00:00:00Z'), status: 'approved', amount_cents: 9999 }),
      paid(b, '2026-03-01T09:00:00Z', 8000, { payout_id: 777 }),
    ]).execute();
    const first = await groupPaidCommissions(db, { now: Date.now() });
    expect(first).to.deep.equal({ payouts: 4, commissions: 6, notPositive: 0 });
    const rows = await payouts();
    expect(rows.map((p) => [p.partner_id, Number(p.amount_cents), p.currency, p.source, p.reference])).to.deep.equal([
      [a, 900, 'EUR', 'ontraport', 'paid 2026-03-01'],
      [a, 3000, 'USD', 'ontraport', 'paid 2026-03-01'],
      [a, 700, 'USD', 'ontraport', 'paid 2026-03-02'],
      [b, 4000, 'USD', 'ontraport', 'paid 2026-03-01'],
    ]);
    expect(Number(rows[1]!.paid_at)).to.equal(at('2026-03-01T17:00:00Z'));
    const linked = await db.selectFrom('commissions').select(['amount_cents', 'payout_id']).where('payout_id', 'is not', null).where('payout_id', '<>', 777).execute();
    expect(linked).to.have.length(6);
    expect(await db.selectFrom('partner_events').select('kind').execute()).to.have.length(4);

    expect(await groupPaidCommissions(db, { now: Date.now() })).to.deep.equal({ payouts: 0, commissions: 0, notPositive: 0 });
    expect(await payouts()).to.have.length(4);
  });

  it('a commission paid later, even on the same day, makes a new payout; an old payout never changes', async () => {
    const db = ctx.store.db;
    await db.insertInto('commissions').values(paid(a, '2026-03-01T09:00:00Z', 1000)).execute();
    await groupPaidCommissions(db, { now: Date.now() });
    const [old] = await payouts();
    await db.insertInto('commissions').values(paid(a, '2026-03-01T15:00:00Z', 300)).execute();
    expect((await groupPaidCommissions(db, { now: Date.now() })).payouts).to.equal(1);
    const after = await payouts();
    expect(after.map((p) => Number(p.amount_cents))).to.deep.equal([1000, 300]);
    expect(after[0]).to.deep.equal(old);
  });

  it('clawbacks paid alone make no payout (they are deducted, not paid) and are looked at again later', async () => {
    const db = ctx.store.db;
    await db.insertInto('commissions').values(paid(a, '2026-03-01T09:00:00Z', -500, { kind: 'clawback' })).execute();
    expect(await groupPaidCommissions(db, { now: Date.now() })).to.deep.equal({ payouts: 0, commissions: 0, notPositive: 1 });
    expect(await payouts()).to.deep.equal([]);
  });
});
