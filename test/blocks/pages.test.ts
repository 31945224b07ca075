/**
 * Leaderboard, contest and launch pages through a real gateway: the viewer's row highlighted (also below the
 * top N), privacy (first names or aliases only; never another partner's email, last name or id), rankings
 * limited to the viewer's ladder, the contest counts and the launch page scoped to the signed-in partner.
 */
import { expect } from 'chai';
import request from 'supertest';
import { formatMoney } from '../../src/common/index.js';
import { forEachStore } from '../support/store.js';
import { useTestGateway } from '../support/gateway.js';
import { CONTEST_START_MS, NOW, YEAR_AGO, clearBlocksTables, expected, seedBlocksFixture, type Fixture } from './fixture.js';
import { rankingRows, writePagesConfig } from './pages-support.js';

const decode = (s: string) => s.replace(/&#x27;/g, "'").replace(/&amp;/g, '&');

forEachStore('blocks: leaderboard, contest and launch pages', (ctx) => {
  let fx: Fixture;

  before(async () => {
    await clearBlocksTables(ctx.store);
    fx = await seedBlocksFixture(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store, () => ({ PARTNERGATE_BLOCKS_CONFIG: writePagesConfig() }), { now: () => NOW });

  const get = async (partnerIndex: number, path: string) => {
    const { cookie } = await tg.signIn(fx.partners[partnerIndex]!.id);
    return request(tg.url).get(path).set('Cookie', cookie);
  };

  /** Ladder partners with a last-year row, best first (ties by id), as the leaderboard must show them. */
  const ladderRanking = () =>
    fx.partners
      .filter((p) => p.programId !== fx.programs.solo && fx.commissions.some((c) => c.partner_id === p.id && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback') && c.processed_at !== null && c.processed_at >= YEAR_AGO))
      .map((p) => ({ p, v: expected.earnedLastYear(fx.commissions, p.id) }))
      .sort((a, b) => b.v - a.v || a.p.id - b.p.id);

  it('shows the default leaderboard of the viewer\'s ladder with the viewer highlighted, first names or aliases only', async () => {
    const ranking = ladderRanking();
    const viewer = ranking[1]!.p;
    const res = await get(fx.partners.indexOf(viewer), '/partner-center/leaderboard');
    expect(res.status).to.equal(200);
    const rows = rankingRows(res.text);
    expect(rows.map((r) => decode(r.name))).to.deep.equal(ranking.slice(0, 10).map(({ p }) => p.alias ?? p.firstName));
    expect(rows.map((r) => r.value)).to.deep.equal(ranking.slice(0, 10).map(({ v }) => formatMoney(v, 'USD')));
    expect(rows.filter((r) => r.highlighted)).to.deep.equal([{ rank: 2, name: viewer.alias ?? viewer.firstName, value: formatMoney(ranking[1]!.v, 'USD'), highlighted: true }]);
    for (const p of fx.partners) {
      expect(res.text).not.to.include(p.email);
      expect(res.text).not.to.include(p.lastName);
      if (p.alias) expect(res.text).not.to.include(`>${p.firstName}<`);
    }
    expect(res.text).not.to.match(/partner[_-]?id|data-id=/i);
    // Omar and Pia are in a program outside the ladder.
    expect(rows.map((r) => r.name)).not.to.include.members(['Omar', 'Pia']);
  });

  it('shows the viewer\'s own rank below the top N when outside it', async () => {
    const ranking = ladderRanking();
    const last = ranking.at(-1)!;
    const res = await get(fx.partners.indexOf(last.p), '/partner-center/leaderboard/top3');
    const rows = rankingRows(res.text);
    expect(rows).to.have.length(4);
    expect(rows.slice(0, 3).every((r) => !r.highlighted)).to.equal(true);
    expect(res.text).to.include('<tr class="gap"');
    expect(rows[3]).to.deep.equal({ rank: 1 + ranking.filter((x) => x.v > last.v).length, name: last.p.alias ?? last.p.firstName, value: formatMoney(last.v, 'USD'), highlighted: true });
  });

  it('ranks a partner with no commissions last, and keeps programs outside the ladder apart', async () => {
    const pia = fx.partners.findIndex((p) => p.firstName === 'Pia');
    const res = await get(pia, '/partner-center/leaderboard');
    const rows = rankingRows(res.text);
    const omar = fx.partners.find((p) => p.firstName === 'Omar')!;
    expect(rows[0]).to.include({ rank: 1, name: 'Omar', value: formatMoney(expected.earnedLastYear(fx.commissions, omar.id), 'USD'), highlighted: false });
    expect(rows.at(-1)).to.deep.equal({ rank: 2, name: 'Pia', value: formatMoney(0, 'USD'), highlighted: true });
  });

  it('shows aliases only under the alias privacy option', async () => {
    const res = await get(0, '/partner-center/leaderboard/aliases');
    const names = rankingRows(res.text).map((r) => r.name);
    expect(names).to.include.members(['TheBruno', 'Starseller', 'Anonymous partner']);
    for (const p of fx.partners) expect(names).not.to.include(p.firstName);
  });

  it('shows the launch contest: sales of the product since the start, with the viewer highlighted', async () => {
    const counts = fx.partners
      .filter((p) => p.programId !== fx.programs.solo)
      .map((p) => ({ p, v: expected.productSales(fx.commissions, p.id, fx.products.course, CONTEST_START_MS) }))
      .filter((x) => x.v > 0)
      .sort((a, b) => b.v - a.v || a.p.id - b.p.id);
    expect(counts.length).to.be.greaterThan(1);
    const viewer = counts[0]!.p;
    const res = await get(fx.partners.indexOf(viewer), '/partner-center/contests/course-launch');
    expect(res.status).to.equal(200);
    expect(res.text).to.include('Course launch contest').and.to.include('Online Course').and.to.include('Mar 1, 2026');
    const rows = rankingRows(res.text);
    expect(rows.map((r) => Number(r.value))).to.deep.equal(counts.slice(0, 10).map((x) => x.v));
    let rank = 0;
    counts.slice(0, 10).forEach((x, i) => (rank = i > 0 && counts[i - 1]!.v === x.v ? rank : i + 1) && expect(rows[i]!.rank).to.equal(rank));
    expect(rows[0]!.highlighted).to.equal(true);
    expect(res.text).to.include('href="/partner-center/contests/course-launch"');
  });

  it('shows the launch page: the signed-in partner\'s approved commissions for the product since the date, newest first', async () => {
    const bruno = fx.partners[1]!;
    const res = await get(1, '/partner-center/p/launch');
    expect(res.status).to.equal(200);
    const mine = fx.commissions
      .filter((c) => c.partner_id === bruno.id && c.status === 'approved' && (c.kind === 'sale' || c.kind === 'clawback') && c.product_id === fx.products.course && c.transaction_at >= CONTEST_START_MS)
      .sort((a, b) => b.transaction_at - a.transaction_at || b.id - a.id);
    expect(mine.length).to.be.greaterThan(0);
    const section = res.text.slice(res.text.indexOf('data-block="launch_commissions"'), res.text.indexOf('data-block="my_leads"'));
    const amounts = [...section.matchAll(/<td class="num">([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(amounts).to.deep.equal(mine.map((c) => formatMoney(c.amount_cents, 'USD')));
    expect(res.text).to.include(formatMoney(expected.pendingTotal(fx.commissions, bruno.id), 'USD'));
    const leads = fx.contacts.filter((c) => c.first_referrer_id === bruno.id).sort((a, b) => a.added_at - b.added_at);
    const leadSection = res.text.slice(res.text.indexOf('data-block="my_leads"'));
    // Referred customers' emails are masked by default (PARTNERGATE_MASK_CUSTOMER_EMAILS): one masked address per lead, none whole.
    expect([...leadSection.matchAll(/l\*\*\*@leads\.test/g)].length).to.equal(leads.length);
    expect(leadSection).not.to.match(/lead\d+@leads\.test/);
    // Nobody else's leads.
    for (const c of fx.contacts.filter((c) => c.first_referrer_id !== bruno.id)) expect(res.text).not.to.include(`>${c.email}<`);
  });

  it('answers 404 for an unknown leaderboard, contest or page, and sends visitors to sign in', async () => {
    for (const path of ['/partner-center/leaderboard/nope', '/partner-center/contests/nope', '/partner-center/p/nope']) {
      expect((await get(0, path)).status, path).to.equal(404);
    }
    const anonymous = await request(tg.url).get('/partner-center/leaderboard');
    expect(anonymous.status).to.equal(303);
    expect(anonymous.headers.location).to.match(/^\/sso\/sign-in\?rd=/);
  });
});
