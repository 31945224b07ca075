/**
 * Every shipped preset rollup, on both stores: the per-partner SQL aggregate and the leaderboard snapshot
 * (one GROUP BY) must equal numbers computed in plain JS from the inserted rows (fixture.ts `expected`).
 */
import { expect } from 'chai';
import { forEachStore } from '../support/store.js';
import { parseBlocksConfig } from '../../src/blocks/index.js';
import { daysAgoStartMs } from '../../src/blocks/compile.js';
import { refreshRanking, refreshRankings, rankingView, rowsKeyOf, type BlocksDeps } from '../../src/blocks/rankings.js';
import { valueForPartner } from '../../src/blocks/rollups.repo.js';
import type { BlocksConfig, BoundRollup } from '../../src/blocks/model.js';
import { CONTEST_START, CONTEST_START_MS, DAY, NOW, YEAR_AGO, clearBlocksTables, expected, seedBlocksFixture, type Fixture } from './fixture.js';

function configFor(fx: Fixture): BlocksConfig {
  return parseBlocksConfig(
    {
      rollups: {
        recent_leads: { label: 'Leads, last 90 days', source: 'referred_contacts', aggregate: 'count', where: [{ field: 'added_date', op: 'on_or_after', value: { daysAgo: 90 } }] },
        last_touch_leads: { source: 'referred_contacts', referrer: 'last', aggregate: 'count' },
        active_order_commission: { source: 'open_orders', aggregate: 'sum', field: 'commission', where: [{ field: 'status', op: 'eq', value: 'active' }] },
        course_or_coaching_paid: {
          source: 'commissions',
          aggregate: 'count',
          where: [{ field: 'status', op: 'eq', value: 'paid' }, { any: [{ field: 'product', op: 'eq', value: fx.products.course }, { field: 'product', op: 'eq', value: { name: 'Coaching Session' } }] }],
        },
      },
      leaderboards: {
        pending: { title: 'Pending', rollup: 'pending_total', programs: 'all' },
        approved: { title: 'Approved', rollup: 'approved_total', programs: 'all' },
        'last-year': { title: 'Last year', rollup: 'earned_last_year', programs: 'all', limit: 5 },
        'course-sales': { title: 'Course sales', rollup: 'product_sales', params: { product: { name: 'Online Course' } }, programs: 'all' },
        'ebook-sales': { title: 'Ebook sales', rollup: 'product_sales', params: { product: fx.products.ebook }, programs: 'all' },
        leads: { title: 'Leads', rollup: 'recent_leads', programs: 'all' },
        'last-touch': { title: 'Last touch', rollup: 'last_touch_leads', programs: 'all' },
        orders: { title: 'Orders', rollup: 'active_order_commission', programs: 'all' },
        paid: { title: 'Paid', rollup: 'course_or_coaching_paid', programs: 'all' },
      },
      contests: {
        'course-launch': { title: 'Course launch', product: { name: 'Online Course' }, startDate: CONTEST_START },
        'course-earned': { title: 'Course earned', product: { name: 'Online Course' }, startDate: CONTEST_START, rollup: 'contest_earned' },
      },
    },
    'rollups.test',
  );
}

forEachStore('blocks: preset rollups', (ctx) => {
  let fx: Fixture;
  let config: BlocksConfig;
  let deps: BlocksDeps;

  before(async () => {
    await clearBlocksTables(ctx.store);
    fx = await seedBlocksFixture(ctx.store);
    config = configFor(fx);
    deps = { db: ctx.store.db, timeZone: 'UTC', now: () => NOW, sqliteWorker: ctx.store.sqliteWorker };
  });

  const cases: Array<[string, string, (fx: Fixture, partnerId: number) => number]> = [
    ['total pending commissions', 'pending', (f, p) => expected.pendingTotal(f.commissions, p)],
    ['approved commissions', 'approved', (f, p) => expected.approvedTotal(f.commissions, p)],
    ['approved-or-paid commissions in the last year', 'last-year', (f, p) => expected.earnedLastYear(f.commissions, p)],
    ['number of sales of product X (by name)', 'course-sales', (f, p) => expected.productSales(f.commissions, p, f.products.course)],
    ['number of sales of product X (by id)', 'ebook-sales', (f, p) => expected.productSales(f.commissions, p, f.products.ebook)],
    ['sales of the contest product since its start date', 'contest:course-launch', (f, p) => expected.productSales(f.commissions, p, f.products.course, CONTEST_START_MS)],
    ['commission earned for contest Y since its start date', 'contest:course-earned', (f, p) => expected.contestEarned(f.commissions, p, f.products.course, CONTEST_START_MS)],
    ['referred contacts (first referrer) added in the last 90 days', 'leads', (f, p) => f.contacts.filter((c) => c.first_referrer_id === p && c.added_at >= Date.UTC(2026, 5, 15) - 90 * DAY).length],
    ['referred contacts by last referrer', 'last-touch', (f, p) => f.contacts.filter((c) => c.last_referrer_id === p).length],
    ['commission of active open orders', 'orders', (f, p) => f.partners.slice(0, 3).findIndex((x) => x.id === p) >= 0 ? 980 + f.partners.findIndex((x) => x.id === p) : 0],
    ['paid commissions of the course OR the coaching session (AND / OR groups)', 'paid', (f, p) => f.commissions.filter((c) => c.partner_id === p && c.status === 'paid' && (c.product_id === f.products.course || c.product_id === f.products.coaching)).length],
  ];

  const rollupOf = (name: string): BoundRollup => (name.startsWith('contest:') ? config.contests.get(name.slice(8))! : config.leaderboards.get(name)!).rollup;

  for (const [title, board, expect_] of cases) {
    it(`${title}: per-partner value and leaderboard snapshot match the rows`, async () => {
      const rollup = rollupOf(board);
      const want = new Map(fx.partners.map((p) => [p.id, expect_(fx, p.id)]));
      // The fixture must make the case meaningful: some partners have a value, some do not.
      expect([...want.values()].some((v) => v !== 0), 'some partner has a value').to.equal(true);
      for (const p of fx.partners) expect(await valueForPartner(ctx.store.db, rollup, p.id, { timeZone: 'UTC', now: NOW }), `${p.firstName}`).to.equal(want.get(p.id));
      await refreshRanking(deps, rollup);
      const { refreshed_at } = await ctx.store.db.selectFrom('rollup_snapshots').select('refreshed_at').where('ranking_key', '=', rollup.key).executeTakeFirstOrThrow();
      const rows = await ctx.store.db.selectFrom('rollup_values').select(['partner_id', 'value']).where('ranking_key', '=', rowsKeyOf(rollup.key, refreshed_at)).execute();
      const got = new Map(rows.map((r) => [r.partner_id, Number(r.value)]));
      for (const p of fx.partners) expect(got.get(p.id) ?? 0, `snapshot of ${p.firstName}`).to.equal(want.get(p.id));
    });
  }

  it('counts the boundary rows on the right side of "365 days ago" and of the contest start', async () => {
    const alice = fx.partners[0]!.id;
    const bruno = fx.partners[1]!.id;
    const lastYear = await valueForPartner(ctx.store.db, rollupOf('last-year'), alice, { timeZone: 'UTC', now: NOW });
    const inside = fx.commissions.find((c) => c.processed_at === YEAR_AGO)!;
    const outside = fx.commissions.find((c) => c.processed_at === YEAR_AGO - 1)!;
    expect(lastYear).to.equal(expected.earnedLastYear(fx.commissions, alice));
    expect(expected.earnedLastYear(fx.commissions.filter((c) => c !== inside), alice)).to.equal(lastYear - inside.amount_cents);
    expect(expected.earnedLastYear(fx.commissions.filter((c) => c !== outside), alice)).to.equal(lastYear);
    const brunoEarned = await valueForPartner(ctx.store.db, rollupOf('contest:course-earned'), bruno, { timeZone: 'UTC', now: NOW });
    const atStart = fx.commissions.find((c) => c.transaction_at === CONTEST_START_MS)!;
    expect(brunoEarned).to.be.at.least(atStart.amount_cents);
    expect(brunoEarned).to.equal(expected.contestEarned(fx.commissions, bruno, fx.products.course, CONTEST_START_MS));
  });

  it('ranks the leaderboard by value with equal values sharing a rank, and puts the viewer below the top when outside it', async () => {
    const board = config.leaderboards.get('last-year')!;
    const values = fx.partners.map((p) => ({ id: p.id, v: expected.earnedLastYear(fx.commissions, p.id) })).filter((x) => fx.commissions.some((c) => c.partner_id === x.id && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback') && c.processed_at !== null && c.processed_at >= YEAR_AGO));
    values.sort((a, b) => b.v - a.v || a.id - b.id);
    const last = values.at(-1)!;
    const view = await rankingView(deps, board, last.id);
    expect(view.rows.map((r) => r.value)).to.deep.equal(values.slice(0, 5).map((x) => x.v));
    expect(view.rows[0]!.rank).to.equal(1);
    expect(view.viewer).to.include({ outside: true, value: last.v, rank: 1 + values.filter((x) => x.v > last.v).length });
    const top = await rankingView(deps, board, values[0]!.id);
    expect(top.rows[0]!.isViewer).to.equal(true);
    expect(top.viewer?.outside).to.equal(false);
  });

  it('gives every viewer the rank 1 + partners strictly ahead, highest or lowest first (ties share a rank)', async () => {
    const board = config.leaderboards.get('course-sales')!;
    const ranked = fx.partners.filter((p) => fx.commissions.some((c) => c.partner_id === p.id && c.kind === 'sale' && c.status !== 'declined' && c.product_id === fx.products.course));
    const valueOf = (id: number) => expected.productSales(fx.commissions, id, fx.products.course);
    const values = ranked.map((p) => valueOf(p.id));
    expect(new Set(values).size).to.be.lessThan(values.length); // ties exist
    for (const dir of ['desc', 'asc'] as const) {
      for (const p of fx.partners) {
        const view = await rankingView(deps, { ...board, limit: 3, dir }, p.id);
        const mine = valueOf(p.id);
        const ahead = values.filter((v) => (dir === 'desc' ? v > mine : v < mine)).length;
        expect(view.viewer, `${p.firstName} ${dir}`).to.include({ rank: 1 + ahead, value: mine });
        const top = [...values].sort((a, b) => (dir === 'desc' ? b - a : a - b)).slice(0, 3);
        expect(view.rows.map((r) => r.value)).to.deep.equal(top);
        expect(view.rows.map((r) => r.rank)).to.deep.equal(top.map((v) => 1 + values.filter((x) => (dir === 'desc' ? x > v : x < v)).length));
      }
    }
  });

  it('rebuilds a snapshot when a row changes, patches only the partners a sync names, and keeps at most two generations', async () => {
    const board = config.leaderboards.get('pending')!;
    const alice = fx.partners[0]!;
    const pending = fx.commissions.find((c) => c.partner_id === alice.id && c.status === 'pending')!;
    const valueOfAlice = async () => (await rankingView(deps, { ...board, scope: { kind: 'all' } }, alice.id)).viewer!.value;
    expect(await valueOfAlice()).to.equal(expected.pendingTotal(fx.commissions, alice.id));
    // A sync approves it and bumps updated_at: the next page view sees it (small store: rebuilt before answering).
    await ctx.store.db.updateTable('commissions').set({ status: 'approved', updated_at: NOW }).where('id', '=', pending.id).execute();
    pending.status = 'approved';
    expect(await valueOfAlice()).to.equal(expected.pendingTotal(fx.commissions, alice.id));
    // A change the data version cannot see (same updated_at): patched by the after-sync refresh of that partner.
    await ctx.store.db.updateTable('commissions').set({ status: 'pending' }).where('id', '=', pending.id).execute();
    pending.status = 'pending';
    await refreshRanking(deps, board.rollup, { partnerIds: [alice.id] });
    expect(await valueOfAlice()).to.equal(expected.pendingTotal(fx.commissions, alice.id));
    for (let i = 0; i < 3; i++) await refreshRanking(deps, board.rollup);
    const generations = await ctx.store.db.selectFrom('rollup_values').select('ranking_key').distinct().where('ranking_key', '>=', `${board.rollup.key}@`).where('ranking_key', '<', `${board.rollup.key}A`).execute();
    expect(generations.length).to.be.within(1, 2);
    expect(await valueOfAlice()).to.equal(expected.pendingTotal(fx.commissions, alice.id));
  });

  it('drops the snapshots of rankings that are no longer configured when all rankings are rebuilt', async () => {
    const keep = config.leaderboards.get('approved')!.rollup;
    expect((await ctx.store.db.selectFrom('rollup_snapshots').select('ranking_key').execute()).length).to.be.greaterThan(1);
    await refreshRankings(deps, [keep]);
    expect((await ctx.store.db.selectFrom('rollup_snapshots').select('ranking_key').execute()).map((r) => r.ranking_key)).to.deep.equal([keep.key]);
    const keys = await ctx.store.db.selectFrom('rollup_values').select('ranking_key').distinct().execute();
    expect(keys.every((k) => k.ranking_key.startsWith(`${keep.key}@`))).to.equal(true);
  });

  it('resolves "N days before today" in the business time zone', () => {
    const ny = daysAgoStartMs(365, { timeZone: 'America/New_York', now: NOW });
    expect(ny).to.equal(Date.UTC(2025, 5, 15, 4)); // midnight EDT
    expect(daysAgoStartMs(365, { timeZone: 'UTC', now: NOW })).to.equal(YEAR_AGO);
  });
});
