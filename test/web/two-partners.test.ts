/**
 * The shared two-partner fixture (test/support/demo.ts, written independently of this code with its own known
 * totals): A's pages show A's totals and never a value of B's, on every page, whatever B ids A sends.
 */
import { expect } from 'chai';
import { forEachStore } from '../support/store.js';
import { useTestGateway } from '../support/gateway.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { testId, usd } from './fixture.js';
import { decode, getPage } from './helpers.js';

forEachStore('partner center on the shared two-partner fixture', (ctx) => {
  let fx: TwoPartners;
  let cookie: string;
  const from = '2020-01-01';
  let to: string;

  before(async () => {
    fx = await seedTwoPartners(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store, {}, { now: () => fx.now + 12 * 3_600_000 });
  before(async () => {
    cookie = (await tg.signIn(fx.a.partnerId)).cookie;
    to = new Date(fx.now).toISOString().slice(0, 10);
  });

  it("shows A's known totals on the dashboard and the ledger", async () => {
    const dash = await getPage(tg, cookie, '/partner-center/');
    expect(testId(dash.text, 'earned-all')).to.equal(usd(fx.a.totals.earned));
    expect(testId(dash.text, 'pending')).to.equal(usd(fx.a.totals.pending));
    expect(testId(dash.text, 'paid')).to.equal(usd(fx.a.totals.paidOut));
    const ledger = await getPage(tg, cookie, `/partner-center/earnings?from=${from}&to=${to}`);
    expect(testId(ledger.text, 'opening')).to.equal(usd(0));
    expect(testId(ledger.text, 'closing')).to.equal(usd(fx.a.totals.balance));
    expect(testId(ledger.text, 'ledger-payments')).to.equal(usd(-fx.a.totals.paidOut));
    const report = await getPage(tg, cookie, `/partner-center/reports?from=${from}&to=${to}&group=month`);
    const total = /data-testid="report-total">([\s\S]*?)<\/tr>/.exec(report.text)![1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    // Conversion is capped at 100% with a marked reason when sales outnumber unique clicks (this fixture has more).
    const rate = fx.a.totals.sales / fx.a.totals.visits;
    const conversion = rate > 1 ? '100.0% *' : `${(rate * 100).toFixed(1)}%`;
    expect(total).to.equal(`Total ${fx.a.totals.visits} ${fx.a.totals.leads} ${fx.a.totals.sales} ${conversion} ${usd(fx.a.totals.earned)} ${usd(fx.a.totals.pending)}`);
  });

  it("never shows a value of B's on any page", async () => {
    const bIds = `partner_id=${fx.b.partnerId}&partnerId=${fx.b.partnerId}&contact_id=${fx.b.buyerContactId}`;
    const r = `from=${from}&to=${to}`;
    const paths = [
      `/partner-center/?${r}&${bIds}`, `/partner-center/contacts?${r}&${bIds}`, `/partner-center/contacts?as=last&${r}&${bIds}`,
      `/partner-center/commissions?${r}&${bIds}`, `/partner-center/commissions/pending?${bIds}`, `/partner-center/commissions/paid?${bIds}`,
      `/partner-center/products/${fx.productId}?${r}&${bIds}`, `/partner-center/subscriptions?${bIds}`, `/partner-center/earnings?${r}&${bIds}`,
      `/partner-center/reports?${r}&group=month&${bIds}`, `/partner-center/reports?${r}&by=subid&${bIds}`, `/partner-center/reports?${r}&by=promo&${bIds}`,
      `/partner-center/promo-tools?${bIds}`, `/partner-center/links?${r}&${bIds}`, `/partner-center/settings?${bIds}`,
    ];
    // Amounts that no sum of A's rows makes (A's "(no SubID)" earnings are $55.00, like B's pending sale).
    const bValues = ['Bruno', 'partner-b@example.com', 'youtube', 'HYPERLINK', 'orid=5002', usd(11_000), usd(2_100)];
    for (const path of paths) {
      const text = decode((await getPage(tg, cookie, path)).text);
      for (const v of bValues) expect(text, `${v} on ${path}`).to.not.contain(v);
    }
  });
});
