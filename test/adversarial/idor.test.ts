/**
 * IDOR sweep. The GET routes are read from the routers themselves (partner center pages, CSV exports, report
 * JSON, leaderboards/contests/block pages), so a route added later is swept too (a route parameter this file
 * does not know fails the test). Signed in as partner A, every route is requested with partner B's ids, date
 * ranges, SubIDs and a crafted keyset cursor in the path and query; no marker of B (names, emails, SubIDs,
 * payout references, amounts, its referral link) may appear. As B, the same sweep shows every marker, so the
 * markers are real. B's own PayPal confirmation link, opened and posted by A, neither shows nor applies it.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createBlocksRouter, refreshRankings } from '../../src/blocks/index.js';
import { createReportsRouter } from '../../src/reports/index.js';
import { REPORT_NAMES } from '../../src/reports/export.service.js';
import { MAX_EXPORTS_PER_PARTNER } from '../../src/reports/export-slots.js';
import { createPartnerCenterRouter } from '../../src/views/partner-center.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { routesOf } from '../support/routes.js';
import { decodeHtml, expectAllHeld, mapLimit, type CaseResult } from './support.js';

const CLASS = 'IDOR';
const DAY = 86_400_000;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

forEachStore('adversarial: IDOR sweep', (ctx) => {
  let sink: SmtpSink;
  let tg: TestGateway;
  let fx: TwoPartners;
  let a: string;
  let b: string;
  let bOnlyProductId: number;
  let bConfirmToken: string;
  let targets: string[];
  /** The routes without B's ids in the query (what B's own sweep needs to show B's rows). */
  let plainTargets: string[];
  /** Markers of B's rows; `rankable` ones may legitimately appear on leaderboards (first name, by design). */
  let markers: string[];
  const rankable = ['Bruno'];

  before(async function () {
    this.timeout(60_000);
    fx = await seedTwoPartners(ctx.store);
    const { db } = ctx.store;
    const now = Date.now();
    // Rows of B only, with values found nowhere else: a secret SubID, a referred contact, a payout, an amount.
    bOnlyProductId = (await db.insertInto('products').values({ ontraport_id: null, name: 'Zq Private Product', price_cents: 12_345, currency: 'USD', updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    const zebulon = (await db.insertInto('contacts').values({ ontraport_id: 99_001, first_name: 'Zebulon', last_name: 'Quixotezq', email: 'zq.bmarker@example.org', first_referrer_id: fx.b.partnerId, last_referrer_id: fx.b.partnerId, added_at: now - 4 * DAY, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    const payout = (await db.insertInto('payouts').values({ partner_id: fx.b.partnerId, amount_cents: 45_678, currency: 'USD', method: 'paypal', reference: 'B-PAYOUT-QX77', paid_at: now - 3 * DAY }).returning('id').executeTakeFirstOrThrow()).id;
    await db.insertInto('commissions').values({ ontraport_id: null, partner_id: fx.b.partnerId, contact_id: zebulon, product_id: bOnlyProductId, purchase_id: null, promo_tool_id: fx.promoToolIds.link, sub_id: 'bzqsubid', kind: 'sale', status: 'pending', amount_cents: 98_765, currency: 'USD', transaction_at: now - 2 * DAY, processed_at: null, paid_at: null, payout_id: null, updated_at: now }).execute();
    await db.insertInto('commissions').values({ ontraport_id: null, partner_id: fx.b.partnerId, contact_id: zebulon, product_id: fx.productId, purchase_id: null, promo_tool_id: null, sub_id: 'bzqsubid', kind: 'sale', status: 'paid', amount_cents: 45_678, currency: 'USD', transaction_at: now - 9 * DAY, processed_at: now - 8 * DAY, paid_at: now - 3 * DAY, payout_id: payout, updated_at: now }).execute();
    await db.insertInto('visits').values({ partner_id: fx.b.partnerId, promo_tool_id: fx.promoToolIds.link, sub_id: 'bzqsubid', landing_path: '/', visited_at: now - 2 * DAY }).execute();

    // Blocks: a contest, a leaderboard and a page whose blocks list the viewer's own commissions and contacts.
    const dir = mkdtempSync(join(tmpdir(), 'pg-idor-'));
    const blocksFile = join(dir, 'blocks.yaml');
    writeFileSync(blocksFile, `
leaderboards:
  course-sellers: { title: Course sellers, rollup: product_sales, params: { product: { name: "Fixture Course" } }, privacy: alias, limit: 10 }
contests:
  fixture-launch: { title: Fixture contest, product: { name: "Fixture Course" }, startDate: "${isoDate(now - 400 * DAY)}", limit: 10 }
blocks:
  my_stats: { source: rollups, rollups: [earned_total, pending_total] }
  my_commissions: { title: Your commissions, source: commissions, where: [{ field: kind, op: in, value: [sale, clawback] }], sort: { by: transaction_date, dir: desc }, limit: 50, columns: [transaction_date, product, sub_id, amount, status] }
  my_contacts: { title: Your contacts, source: referred_contacts, limit: 50, columns: [first_name, last_name, email] }
  my_orders: { title: Your orders, source: open_orders, limit: 50, columns: [product, amount, commission, status] }
  board: { title: Board, source: partners, rollup: earned_total, privacy: first_name, limit: 5 }
pages:
  mine: { title: Mine, blocks: [my_stats, my_commissions, my_contacts, my_orders, board] }
`);
    sink = await startSmtpSink();
    // Customers' emails shown whole: masking would hide a leaked marker from the sweep, not the leak itself.
    tg = await startTestGateway(ctx.store, { PARTNERGATE_BLOCKS_CONFIG: blocksFile, PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_MASK_CUSTOMER_EMAILS: 'false' });
    await refreshRankings(tg.gateway.deps);
    a = (await signInAs(tg, fx.a.partnerId)).cookie;
    const bSession = await signInAs(tg, fx.b.partnerId);
    b = bSession.cookie;

    // B asks for a PayPal change: the confirmation link (in B's outbox) is the most sensitive id B owns.
    const asked = await fetch(`${tg.url}/partner-center/settings/paypal`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: b, 'content-type': 'application/x-www-form-urlencoded', origin: tg.url },
      body: new URLSearchParams({ _csrf: bSession.csrfToken, paypal_email: 'bruno.new.paypal.zq@example.org', current_password: fx.b.password }),
    });
    expect(asked.status, await asked.text()).to.equal(303);
    // The outbox holds the link sealed (and drops it once sent): B's copy is the email itself.
    bConfirmToken = new URL(await sink.waitForLink('bruno.new.paypal.zq@example.org', '/settings/paypal/confirm')).searchParams.get('token')!;

    markers = [
      'Brandt', fx.b.email, 'buyer-b@example.org', 'lead-b@example.org', "Bruno's buyer", "Bruno's lead", 'youtube', 'HYPERLINK',
      'FIXTURE-B1', 'FIXTURE-B2', `orid=${fx.b.referralCode}`, 'bzqsubid', 'Zebulon', 'Quixotezq', 'zq.bmarker@example.org', 'B-PAYOUT-QX77',
      '987.65', '456.78', 'bruno.new.paypal.zq@example.org', 'Bruno',
    ];

    // Every GET route of the routers mounted under /partner-center, parameters filled with B's (and odd) values.
    const deps = tg.gateway.deps;
    const routes = [...routesOf(createReportsRouter(deps)), ...routesOf(createBlocksRouter(deps)), ...routesOf(createPartnerCenterRouter(deps))].filter((r) => r.method === 'GET');
    const blocks = deps.blocks.get();
    const fill: Record<string, string[]> = {
      ':file': [...REPORT_NAMES.map((n) => `${n}.csv`), 'commissions.json', '..%2fcommissions.csv'],
      ':name': [...REPORT_NAMES],
      ':productId': [String(bOnlyProductId), String(fx.productId), '0', '-1', 'abc'],
      ':payoutId': [String(payout), String(fx.b.payoutIds[0]), '0', '-1', 'abc'],
      ':slug': [...blocks.leaderboards.keys(), ...blocks.contests.keys(), ...blocks.pages.keys(), 'nope'],
    };
    const from = isoDate(now - 3000 * DAY);
    const to = isoDate(now + DAY);
    const bIds = new URLSearchParams({
      partner_id: String(fx.b.partnerId), partnerId: String(fx.b.partnerId), partner: String(fx.b.partnerId), account_id: String(fx.b.accountId),
      contact_id: String(fx.b.contactId), id: String(fx.b.commissionIds[0]), commission_id: String(fx.b.commissionIds[1]), payout_id: String(fx.b.payoutIds[0]),
      orid: fx.b.referralCode, referral_code: fx.b.referralCode, sid: 'bzqsubid', sub_id: 'bzqsubid', subid: 'youtube',
    }).toString();
    const cursor = Buffer.from(JSON.stringify([0, 0])).toString('base64url');
    const queries = [
      '',
      `?${bIds}`,
      `?from=${from}&to=${to}`,
      `?from=${from}&to=${to}&${bIds}`,
      `?from=${from}&to=${to}&by=subid&${bIds}`,
      `?from=${from}&to=${to}&by=promo&status=pending,approved,paid,declined,refunded&summary=1&cursor=${cursor}&limit=1000&${bIds}`,
      `?partner_id=${fx.b.partnerId}&partner_id=${fx.b.partnerId}&group=month&as=last&page=2`,
    ];
    targets = [];
    plainTargets = [];
    for (const r of routes) {
      const params = r.path.match(/:[A-Za-z]+/g) ?? [];
      for (const p of params) if (!fill[p]) throw new Error(`the IDOR sweep does not know the route parameter ${p} of ${r.path}: add values for it`);
      let paths = [r.path];
      for (const p of params) paths = paths.flatMap((path) => fill[p]!.map((v) => path.replace(p, v)));
      for (const path of paths) {
        for (const q of queries) targets.push(`/partner-center${path}${q}`);
        plainTargets.push(`/partner-center${path}`, `/partner-center${path}${queries[2]}`);
      }
    }
    // Plus the signed-in JSON of the sign-in capability and the admin exports (refused to a partner).
    targets.push('/sso/session', `/sso/session?${bIds}`, `/partner-center/admin/exports/masspay.csv?currency=USD`, `/partner-center/admin/exports/masspay-skipped.csv?currency=USD`);
  });
  after(async () => {
    await tg?.close();
    await sink?.close();
  });

  async function sweep(cookie: string, list: readonly string[]): Promise<Array<{ target: string; status: number; text: string }>> {
    // At most 4 at once: exports beyond MAX_CONCURRENT_EXPORTS queue for a slot, then answer 503; and one
    // partner's exports at most MAX_EXPORTS_PER_PARTNER at once (more get 429).
    const fetchOne = async (target: string) => {
      const res = await fetch(`${tg.url}${target}`, { redirect: 'manual', headers: { cookie } });
      return { target, status: res.status, text: decodeHtml(await res.text()) };
    };
    const isExport = (t: string) => t.includes('/exports/');
    const [exportsSeen, othersSeen] = await Promise.all([mapLimit(list.filter(isExport), MAX_EXPORTS_PER_PARTNER, fetchOne), mapLimit(list.filter((t) => !isExport(t)), 2, fetchOne)]);
    return [...exportsSeen, ...othersSeen];
  }

  it('enumerates every partner-scoped GET route from the routers (pages, exports, report JSON, blocks)', () => {
    for (const expected of ['/partner-center/contacts', '/partner-center/exports/payments.csv', '/partner-center/api/reports/contacts', '/partner-center/leaderboard/course-sellers', '/partner-center/contests/fixture-launch', '/partner-center/p/mine', `/partner-center/products/${bOnlyProductId}`]) {
      expect(targets.some((t) => t.startsWith(expected)), expected).to.equal(true);
    }
    expect(targets.length).to.be.greaterThan(250);
  });

  it("as partner A, no route shows a row of partner B, whatever B's ids, ranges and SubIDs are in the path and query", async function () {
    this.timeout(120_000);
    const results: CaseResult[] = [];
    {
      for (const r of await sweep(a, targets)) {
        const path = r.target.split('?')[0]!;
        const allowed = /^\/partner-center\/(leaderboard|contests|p)(\/|$)/.test(path) ? rankable : [];
        // A value A typed into the query (a SubID, a referral code) may be echoed back: that is A's input, not B's
        // row; the same routes without those parameters are swept too.
        const seen = markers.filter((m) => !allowed.includes(m) && !decodeURIComponent(r.target).includes(m) && r.text.includes(m));
        const statusOk = r.status < 500;
        results.push({ name: r.target, held: seen.length === 0 && statusOk, why: `status ${r.status}; B's ${seen.join(', ')}` });
      }
    }
    expectAllHeld(CLASS, results);
  });

  it("as partner B, the same sweep shows every marker (they are B's real rows, so the check above can fail)", async function () {
    this.timeout(120_000);
    const seen = new Set<string>();
    for (const r of await sweep(b, plainTargets)) for (const m of markers) if (r.text.includes(m)) seen.add(m);
    expect([...markers].filter((m) => !seen.has(m) && m !== 'bruno.new.paypal.zq@example.org')).to.deep.equal([]);
  });

  it("B's PayPal confirmation link, opened and posted by A, neither shows nor applies B's change", async () => {
    const { db } = ctx.store;
    const paypalBefore = await db.selectFrom('partners').select(['id', 'paypal_email']).orderBy('id').execute();
    const sa = await signInAs(tg, fx.a.partnerId);
    const page = await fetch(`${tg.url}/partner-center/settings/paypal/confirm?token=${encodeURIComponent(bConfirmToken)}`, { headers: { cookie: sa.cookie } });
    const pageText = decodeHtml(await page.text());
    const post = await fetch(`${tg.url}/partner-center/settings/paypal/confirm`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: sa.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: tg.url },
      body: new URLSearchParams({ _csrf: sa.csrfToken, token: bConfirmToken }),
    });
    const postText = decodeHtml(await post.text());
    const paypalAfter = await db.selectFrom('partners').select(['id', 'paypal_email']).orderBy('id').execute();
    const token = await db.selectFrom('one_time_tokens').select('used_at').where('purpose', '=', 'paypal_confirm').executeTakeFirstOrThrow();
    expectAllHeld(CLASS, [
      { name: "A opens B's confirmation link", held: page.status === 400 && !pageText.includes('bruno.new.paypal.zq@example.org'), why: `status ${page.status}` },
      { name: "A posts B's confirmation token", held: post.status === 400 && !postText.includes('bruno.new.paypal.zq@example.org'), why: `status ${post.status}` },
      { name: "B's PayPal email and A's unchanged, B's link still unused", held: JSON.stringify(paypalAfter) === JSON.stringify(paypalBefore) && token.used_at === null, why: JSON.stringify(paypalAfter) },
    ]);
  });
});
