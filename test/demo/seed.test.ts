import { expect } from 'chai';
import { verifyPassword } from '../../src/accounts/index.js';
import { DEMO_ADMIN_LOGIN, DEMO_LOGIN, STARTER_DEMO, seedIfEmpty } from '../../src/demo/index.js';
import { seedTwoPartners } from '../support/demo.js';
import { clearTables, forEachStore } from '../support/store.js';

const quietLogger = () => {
  const lines: unknown[] = [];
  return { lines, info: (...args: unknown[]) => void lines.push(args) };
};

forEachStore('demo seeding for npm start', (ctx) => {
  const count = async (t: 'partners' | 'commissions' | 'accounts') =>
    Number((await ctx.store.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('seeds a small program once, with a demo partner account on the busiest partner and an admin', async () => {
    await clearTables(ctx.store);
    const logger = quietLogger();
    const summary = await seedIfEmpty(ctx.store, logger);
    expect(summary).to.not.equal(null);
    expect(await count('partners')).to.equal(STARTER_DEMO.partners);
    expect(await count('commissions')).to.equal(STARTER_DEMO.commissions);

    const demo = await ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', DEMO_LOGIN.email).executeTakeFirstOrThrow();
    expect(demo.role).to.equal('partner');
    expect(demo.partner_id).to.equal(summary!.mostActivePartnerId);
    expect(await verifyPassword(demo.password_hash, DEMO_LOGIN.password)).to.equal(true);
    expect(await verifyPassword(demo.password_hash, 'not-the-password')).to.equal(false);
    const busiest = await ctx.store.db.selectFrom('commissions').select('partner_id').select((eb) => eb.fn.countAll().as('n')).groupBy('partner_id').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(busiest.partner_id).to.equal(demo.partner_id);
    const contact = await ctx.store.db.selectFrom('partners').innerJoin('contacts', 'contacts.id', 'partners.contact_id').select('contacts.email').where('partners.id', '=', demo.partner_id!).executeTakeFirstOrThrow();
    expect(contact.email).to.equal(DEMO_LOGIN.email);

    const admin = await ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', DEMO_ADMIN_LOGIN.email).executeTakeFirstOrThrow();
    expect([admin.role, admin.partner_id]).to.deep.equal(['admin', null]);
    expect(await verifyPassword(admin.password_hash, DEMO_ADMIN_LOGIN.password)).to.equal(true);
    expect(JSON.stringify(logger.lines)).to.not.include(DEMO_LOGIN.password);

    expect(await seedIfEmpty(ctx.store, quietLogger())).to.equal(null);
    expect(await count('partners')).to.equal(STARTER_DEMO.partners);
    expect(await count('accounts')).to.equal(2);
  });

  it('leaves a store that already has partners alone', async () => {
    await clearTables(ctx.store);
    await seedTwoPartners(ctx.store);
    expect(await seedIfEmpty(ctx.store, quietLogger())).to.equal(null);
    expect(await count('partners')).to.equal(2);
    expect(await count('accounts')).to.equal(2);
  });
});

forEachStore('two-partner fixture', (ctx) => {
  it('matches its own published totals and keeps A and B apart', async () => {
    await clearTables(ctx.store);
    const f = await seedTwoPartners(ctx.store);
    const db = ctx.store.db;
    for (const p of [f.a, f.b]) {
      const rows = await db.selectFrom('commissions').selectAll().where('partner_id', '=', p.partnerId).execute();
      expect(rows.map((r) => r.id).sort()).to.deep.equal([...p.commissionIds].sort());
      const sum = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).reduce((s, r) => s + r.amount_cents, 0);
      expect(sum((r) => r.status === 'approved' || r.status === 'paid')).to.equal(p.totals.earned);
      expect(sum((r) => r.status === 'pending')).to.equal(p.totals.pending);
      expect(sum((r) => r.status === 'refunded')).to.equal(p.totals.refunds);
      expect([...new Set(rows.map((r) => `${r.kind}/${r.status}`))].sort()).to.deep.equal(
        ['clawback/paid', 'sale/approved', 'sale/declined', 'sale/paid', 'sale/pending', 'sale/refunded'],
      );
      const payouts = await db.selectFrom('payouts').selectAll().where('partner_id', '=', p.partnerId).execute();
      expect(payouts.reduce((s, x) => s + x.amount_cents, 0)).to.equal(p.totals.paidOut);
      for (const payout of payouts) expect(payout.amount_cents).to.equal(rows.filter((r) => r.payout_id === payout.id).reduce((s, r) => s + r.amount_cents, 0));
      const account = await db.selectFrom('accounts').selectAll().where('id', '=', p.accountId).executeTakeFirstOrThrow();
      expect(account.partner_id).to.equal(p.partnerId);
      expect(await verifyPassword(account.password_hash, p.password)).to.equal(true);
      const leads = await db.selectFrom('contacts').select('id').where('first_referrer_id', '=', p.partnerId).execute();
      expect(leads).to.have.length(p.totals.leads);
      const visits = await db.selectFrom('visits').select('id').where('partner_id', '=', p.partnerId).execute();
      expect(visits).to.have.length(p.totals.visits);
    }
    expect(f.a.totals).to.not.deep.equal(f.b.totals);
    expect(f.a.referralCode).to.not.equal(f.b.referralCode);
    const shared = f.a.commissionIds.filter((id) => f.b.commissionIds.includes(id));
    expect(shared).to.deep.equal([]);
    expect(f.b.subIds).to.include('=HYPERLINK("http://evil")');
  });
});
