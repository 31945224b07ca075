import { expect } from 'chai';
import { sql } from 'kysely';
import { generateDemoData, hostileContactName, hostileSubIds, type DemoSummary } from '../../src/demo/index.js';
import type { Store } from '../../src/store/index.js';
import { clearTables, forEachStore } from '../support/store.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23);
const SMALL = { seed: 7, partners: 12, commissions: 800, visitsPerCommission: 2, now: NOW };

forEachStore('demo generator: the data it makes', (ctx) => {
  let summary: DemoSummary;
  let db: Store['db'];
  before(async () => {
    db = ctx.store.db;
    summary = await generateDemoData(ctx.store, SMALL);
  });

  it('writes exactly the partners and commissions asked for, and reports what it wrote', async () => {
    const count = async (t: 'partners' | 'commissions' | 'contacts' | 'visits' | 'payouts') =>
      Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count('partners')).to.equal(12);
    expect(await count('commissions')).to.equal(800);
    expect(summary.rows.partners).to.equal(12);
    expect(summary.rows.commissions).to.equal(800);
    expect(summary.rows.contacts).to.equal(await count('contacts'));
    expect(summary.rows.visits).to.equal(await count('visits'));
    expect(summary.rows.payouts).to.equal(await count('payouts'));
    // About two clicks per sale, plus one per lead.
    expect(summary.rows.visits).to.be.within(1400, 2000);
    expect(summary.totalRows).to.equal(Object.values(summary.rows).reduce((a, b) => a + b, 0));
  });

  if (ctx.kind === 'postgres') it('leaves the loaded tables vacuumed and analyzed, so autovacuum does not rewrite them under the next workload', async () => {
    await sql`select pg_stat_clear_snapshot()`.execute(db);
    const { rows } = await sql<{ relname: string; vacuumed: boolean; analyzed: boolean }>`
      select relname::text, last_vacuum is not null as vacuumed, last_analyze is not null as analyzed
        from pg_stat_user_tables where relname in ('partners', 'contacts', 'commissions', 'visits') order by relname`.execute(db);
    expect(rows).to.deep.equal(['commissions', 'contacts', 'partners', 'visits'].map((relname) => ({ relname, vacuumed: true, analyzed: true })));
  });

  it('has a three-level tier ladder in USD with rising rates', async () => {
    const programs = await db.selectFrom('programs').select(['name', 'tier_group', 'level_order', 'rate_bp', 'currency']).orderBy('level_order').execute();
    expect(programs.map((p) => [p.tier_group, p.level_order, p.rate_bp, p.currency])).to.deep.equal([
      ['main', 1, 2000, 'USD'], ['main', 2, 2500, 'USD'], ['main', 3, 3000, 'USD'],
    ]);
  });

  it('has commissions of every status and kind, clawbacks negative and other amounts positive', async () => {
    const rows = await db.selectFrom('commissions').select(['kind', 'status']).select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('amount_cents').as('min'), eb.fn.max('amount_cents').as('max')]).groupBy(['kind', 'status']).execute();
    const sales = rows.filter((r) => r.kind === 'sale');
    expect(sales.map((r) => r.status).sort()).to.deep.equal(['approved', 'declined', 'paid', 'pending', 'refunded']);
    for (const r of sales) expect(Number(r.min)).to.be.greaterThan(0);
    const clawbacks = rows.filter((r) => r.kind === 'clawback');
    expect(clawbacks.length).to.be.greaterThan(0);
    for (const r of clawbacks) expect(Number(r.max)).to.be.lessThan(0);
    const declined = Number(sales.find((r) => r.status === 'declined')!.n);
    expect(declined / 800).to.be.within(0.02, 0.09);
  });

  it('pays out in monthly payouts whose amount is the sum of their commissions', async () => {
    const mismatched = await sql<{ id: number }>`
      select p.id from payouts p
       where p.amount_cents <> (select coalesce(sum(c.amount_cents), 0) from commissions c where c.payout_id = p.id)
          or p.amount_cents <= 0
          or exists (select 1 from commissions c where c.payout_id = p.id and (c.paid_at <> p.paid_at or c.partner_id <> p.partner_id or c.status <> 'paid'))`.execute(db);
    expect(mismatched.rows).to.deep.equal([]);
    const inconsistent = await db.selectFrom('commissions').select('id')
      .where((eb) => eb.or([
        eb.and([eb('status', '=', 'paid'), eb.or([eb('payout_id', 'is', null), eb('paid_at', 'is', null)])]),
        eb.and([eb('status', '!=', 'paid'), eb.or([eb('payout_id', 'is not', null), eb('paid_at', 'is not', null)])]),
      ])).execute();
    expect(inconsistent).to.deep.equal([]);
    const payouts = await db.selectFrom('payouts').select(['paid_at']).execute();
    expect(payouts.length).to.be.greaterThan(20);
    for (const p of payouts) expect(new Date(p.paid_at).getUTCDate()).to.equal(1);
  });

  it('computes each sale as product price times the partner\'s program rate, in whole cents', async () => {
    const rows = await db.selectFrom('commissions')
      .innerJoin('products', 'products.id', 'commissions.product_id')
      .innerJoin('partners', 'partners.id', 'commissions.partner_id')
      .innerJoin('programs', 'programs.id', 'partners.program_id')
      .select(['commissions.kind', 'commissions.amount_cents', 'products.price_cents', 'programs.rate_bp', 'commissions.currency'])
      .execute();
    expect(rows.length).to.equal(800);
    for (const r of rows) {
      const expected = Math.round((r.price_cents * r.rate_bp) / 10_000);
      expect(r.amount_cents).to.equal(r.kind === 'clawback' ? -expected : expected);
      expect(r.currency).to.equal('USD');
    }
  });

  it('gives every partner a unique referral code: the Ontraport id of its own contact', async () => {
    const rows = await db.selectFrom('partners').innerJoin('contacts', 'contacts.id', 'partners.contact_id').select(['partners.referral_code', 'contacts.ontraport_id']).execute();
    expect(rows).to.have.length(12);
    expect(new Set(rows.map((r) => r.referral_code)).size).to.equal(12);
    for (const r of rows) expect(r.referral_code).to.equal(String(r.ontraport_id));
  });

  it('keeps every date inside the three years before now, and in a sensible order', async () => {
    const start = NOW - 3 * 365 * DAY;
    const bad = await db.selectFrom('commissions').select(['id', 'transaction_at', 'processed_at', 'paid_at'])
      .where((eb) => eb.or([
        eb('transaction_at', '<', start), eb('transaction_at', '>=', NOW), eb('processed_at', '>', NOW), eb('paid_at', '>', NOW),
        eb('processed_at', '<', eb.ref('transaction_at')), eb('paid_at', '<', eb.ref('processed_at')),
      ])).execute();
    expect(bad).to.deep.equal([]);
    const visits = await db.selectFrom('visits').select((eb) => [eb.fn.min('visited_at').as('min'), eb.fn.max('visited_at').as('max')]).executeTakeFirstOrThrow();
    expect(Number(visits.min)).to.be.at.least(start);
    expect(Number(visits.max)).to.be.lessThan(NOW);
    const contacts = await db.selectFrom('contacts').select((eb) => [eb.fn.min('added_at').as('min'), eb.fn.max('added_at').as('max')]).where('first_referrer_id', 'is not', null).executeTakeFirstOrThrow();
    expect(Number(contacts.min)).to.be.at.least(start - 7 * DAY);
    expect(Number(contacts.max)).to.be.lessThan(NOW);
    const pendingOld = await db.selectFrom('commissions').select('id').where('status', '=', 'pending').where('transaction_at', '<', NOW - 33 * DAY).execute();
    expect(pendingOld).to.deep.equal([]);
  });

  it('skews activity: the busiest partner has far more commissions than the median one', async () => {
    const rows = await db.selectFrom('commissions').select('partner_id').select((eb) => eb.fn.countAll().as('n')).groupBy('partner_id').orderBy('n', 'desc').execute();
    expect(rows[0]!.partner_id).to.equal(summary.mostActivePartnerId);
    expect(Number(rows[0]!.n)).to.be.greaterThan(5 * Number(rows[Math.floor(rows.length / 2)]!.n));
  });

  it('refers contacts to partners, with a different last referrer for about one in ten', async () => {
    const referred = await db.selectFrom('contacts').select(['first_referrer_id', 'last_referrer_id']).where('first_referrer_id', 'is not', null).execute();
    const switched = referred.filter((c) => c.last_referrer_id !== c.first_referrer_id).length;
    expect(switched / referred.length).to.be.within(0.04, 0.18);
    const orphans = await sql`select c.id from commissions c left join contacts k on k.id = c.contact_id where k.id is null or k.first_referrer_id <> c.partner_id`.execute(db);
    expect(orphans.rows).to.deep.equal([]);
  });

  it('has promo tools of every kind, banners with sizes, and SubIDs including hostile ones', async () => {
    const tools = await db.selectFrom('promo_tools').selectAll().execute();
    expect([...new Set(tools.map((t) => t.kind))].sort()).to.deep.equal(['banner', 'email', 'lightbox', 'link']);
    for (const b of tools.filter((t) => t.kind === 'banner')) expect([b.image_url, b.width, b.height]).to.not.include(null);
    for (const e of tools.filter((t) => t.kind === 'email')) expect([e.subject, e.body]).to.not.include(null);
    const subIds = (await db.selectFrom('commissions').select('sub_id').distinct().execute()).map((r) => r.sub_id);
    for (const h of hostileSubIds) expect(subIds).to.include(h);
    expect(subIds).to.include.members(['newsletter', 'youtube', 'fb-ads']);
    const withTool = await db.selectFrom('visits').select('id').where('promo_tool_id', 'is not', null).where('sub_id', 'is not', null).limit(1).execute();
    expect(withTool).to.have.length(1);
    const hostile = await db.selectFrom('contacts').select(['first_referrer_id']).where('first_name', '=', hostileContactName).execute();
    expect(hostile).to.deep.equal([{ first_referrer_id: summary.mostActivePartnerId }]);
  });

  it('has subscriptions, some active with a next charge in the future', async () => {
    const orders = await db.selectFrom('open_orders').select(['status', 'next_charge_at', 'started_at']).execute();
    const active = orders.filter((o) => o.status === 'active');
    expect(active.length).to.be.greaterThan(0);
    for (const o of active) expect(o.next_charge_at).to.be.greaterThan(NOW);
    for (const o of orders.filter((x) => x.status !== 'active')) expect(o.next_charge_at).to.equal(null);
    expect(orders.some((o) => o.status === 'cancelled')).to.equal(true);
  });

  it('gives partners believable profiles: some without PayPal email, some with a time zone', async () => {
    const partners = await db.selectFrom('partners').innerJoin('contacts', 'contacts.id', 'partners.contact_id').select(['paypal_email', 'time_zone', 'contacts.email', 'contacts.first_name']).execute();
    expect(partners.some((p) => p.paypal_email === null)).to.equal(true);
    expect(partners.some((p) => p.paypal_email !== null)).to.equal(true);
    expect(partners.some((p) => p.time_zone !== null)).to.equal(true);
    for (const p of partners) expect(p.email).to.match(/^[a-z]+\.[a-z]+\d+@(example\.(com|org|net)|mail\.test)$/);
  });
});

forEachStore('demo generator: determinism and reloading', (ctx) => {
  const dump = async (store: Store) => {
    const out: Record<string, unknown[]> = {};
    for (const t of ['programs', 'products', 'promo_tools', 'contacts', 'partners', 'commissions', 'payouts', 'visits', 'open_orders'] as const) {
      out[t] = await store.db.selectFrom(t).selectAll().orderBy('id').execute();
    }
    return out;
  };
  const small = { seed: 11, partners: 6, commissions: 300, now: NOW };

  it('makes identical rows from the same seed and different rows from another seed', async () => {
    await clearTables(ctx.store);
    await generateDemoData(ctx.store, small);
    const first = await dump(ctx.store);
    await clearTables(ctx.store);
    await generateDemoData(ctx.store, small);
    expect(await dump(ctx.store)).to.deep.equal(first);
    await clearTables(ctx.store);
    await generateDemoData(ctx.store, { ...small, seed: 12 });
    const other = await dump(ctx.store);
    expect(other.commissions).to.not.deep.equal(first.commissions);
    expect(other.contacts).to.not.deep.equal(first.contacts);
  });

  it('loads a second world beside the first, reusing the ladder and leaving later inserts working', async () => {
    await clearTables(ctx.store);
    const one = await generateDemoData(ctx.store, small);
    const two = await generateDemoData(ctx.store, { ...small, seed: 99 });
    expect(two.rows.programs).to.equal(0);
    expect(two.mostActivePartnerId).to.not.equal(one.mostActivePartnerId);
    const codes = await ctx.store.db.selectFrom('partners').select('referral_code').execute();
    expect(new Set(codes.map((c) => c.referral_code)).size).to.equal(12);
    // The id sequences moved past the explicit ids: an ordinary insert still works.
    const v = await ctx.store.db.insertInto('visits').values({ partner_id: one.mostActivePartnerId, promo_tool_id: null, sub_id: null, landing_path: '/', visited_at: NOW - DAY }).returning('id').executeTakeFirstOrThrow();
    expect(v.id).to.equal(one.rows.visits + two.rows.visits + 1);
  });

  it('drops and rebuilds the secondary indexes around a large load, leaving the same indexes', async () => {
    const indexes = async () => {
      const q = ctx.kind === 'sqlite'
        ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and sql is not null order by name`
        : sql<{ name: string }>`select indexname::text as name from pg_indexes where schemaname = current_schema()
            union all select conname::text || ' ' || pg_get_constraintdef(oid) from pg_constraint where contype = 'f' and connamespace = current_schema()::regnamespace
            order by name`;
      return (await q.execute(ctx.store.db)).rows.map((r) => r.name);
    };
    await clearTables(ctx.store);
    const before = await indexes();
    expect(before).to.include('commissions_partner_id_transaction_at_ix');
    if (ctx.kind === 'postgres') expect(before).to.include('commissions_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES partners(id)');
    const progress: Array<{ table: string; rows: number }> = [];
    const summary = await generateDemoData(ctx.store, { ...small, rebuildIndexes: true, onProgress: (p) => progress.push(p) });
    expect(await indexes()).to.deep.equal(before);
    expect(progress.at(-1)!.rows).to.be.greaterThan(0);
    const last = new Map(progress.map((p) => [p.table, p.rows]));
    expect(last.get('commissions')).to.equal(summary.rows.commissions);
  });

  it('refuses nonsense sizes', async () => {
    let error: unknown;
    try {
      await generateDemoData(ctx.store, { seed: 1, partners: 0, commissions: 10 });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.match(/^partners:/);
  });
});
