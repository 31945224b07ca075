/** Reports, promo tools and links of partner A on both stores, checked against the fixture rows. */
import { expect } from 'chai';
import { forEachStore } from '../support/store.js';
import type { TestGateway } from '../support/gateway.js';
import { usd, type Fixture } from './fixture.js';
import { openPartnerCenter, activity, decode, flash, getPage, isEarned, nyMidnight, of, sum, tableRows, within } from './helpers.js';

/** The table's total row (`tfoot`) cells. */
function totalRow(html: string): string[] {
  const m = /<tfoot>([\s\S]*?)<\/tfoot>/.exec(html);
  if (!m) throw new Error('no tfoot');
  return [...m[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim());
}

forEachStore('partner center reports, promo tools and links', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let cookie: string;
  const get = (path: string) => getPage(tg, cookie, path);

  before(async () => {
    ({ tg, fx, cookie } = await openPartnerCenter(ctx.store));
  });
  after(async () => {
    await tg?.close();
  });

  describe('reports', () => {
    it('by day: one row per local day of the last 30 days, totals as the rows say', async () => {
      const res = await get('/partner-center/reports');
      expect(res.status).to.equal(200);
      const rows = tableRows(res.text);
      expect(rows).to.have.length(30);
      expect(rows[0]![0]).to.equal('2026-02-14');
      expect(rows.at(-1)![0]).to.equal('2026-03-15');
      const want = activity(fx, fx.a.id, nyMidnight('2026-02-14'), nyMidnight('2026-03-16'));
      const [, clicks, leads, sales, , earned, pending] = totalRow(res.text);
      expect([clicks, leads, sales, earned, pending]).to.deep.equal([String(want.clicks), String(want.leads), String(want.sales), usd(want.earned), usd(want.pending)]);
      // Each day holds exactly the rows of that local day.
      for (const day of ['2026-03-13', '2026-03-14', '2026-03-12']) {
        const next = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const w = activity(fx, fx.a.id, nyMidnight(day), nyMidnight(next));
        const row = rows.find((r) => r[0] === day)!;
        expect([row[1], row[2], row[3], row[5]], day).to.deep.equal([String(w.clicks), String(w.leads), String(w.sales), usd(w.earned)]);
      }
    });

    it('draws two SVG charts with titles and no inline style or script', async () => {
      const res = await get('/partner-center/reports');
      const svgs = [...res.text.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
      expect(svgs).to.have.length(2);
      for (const svg of svgs) {
        expect(svg).to.match(/role="img"/).and.match(/<title id="chart-/);
        expect(svg).to.not.match(/style=|<script|on\w+=/i);
      }
      const csp = String(res.headers['content-security-policy']);
      expect(csp).to.contain("script-src 'self'").and.contain("style-src 'self'");
      expect(res.text).to.not.match(/<script(?![^>]*src=)/);
    });

    it('by week and by month sum to the same totals', async () => {
      const day = totalRow((await get('/partner-center/reports?from=2026-01-01&to=2026-03-15')).text);
      const week = await get('/partner-center/reports?from=2026-01-01&to=2026-03-15&group=week');
      const month = await get('/partner-center/reports?from=2026-01-01&to=2026-03-15&group=month');
      expect(tableRows(week.text)[0]![0]).to.equal('Week of 2026-01-01');
      expect(tableRows(month.text).map((r) => r[0])).to.deep.equal(['Jan 2026', 'Feb 2026', 'Mar 2026']);
      expect(totalRow(week.text)).to.deep.equal(day);
      expect(totalRow(month.text)).to.deep.equal(day);
      const feb = tableRows(month.text)[1]!;
      const w = activity(fx, fx.a.id, nyMidnight('2026-02-01'), nyMidnight('2026-03-01'));
      expect([feb[1], feb[3], feb[5]]).to.deep.equal([String(w.clicks), String(w.sales), usd(w.earned)]);
    });

    it('by promo tool and by SubID', async () => {
      const start = nyMidnight('2026-02-14');
      const end = nyMidnight('2026-03-16');
      const a = of(fx, fx.a.id);
      const promo = await get('/partner-center/reports?by=promo');
      const banner = tableRows(promo.text).find((r) => r[0] === 'Leaderboard banner 728x90')!;
      expect(banner[1]).to.equal(String(a.visits.filter((v) => v.promo_tool_id === fx.promoTools.banner && within(v.visited_at, start, end)).length));
      expect(banner[2]).to.equal(String(a.commissions.filter((c) => c.promo_tool_id === fx.promoTools.banner && within(c.transaction_at, start, end)).length));
      const bySub = await get('/partner-center/reports?by=subid');
      const youtube = tableRows(bySub.text).find((r) => r[0] === 'youtube')!;
      const yt = a.commissions.filter((c) => c.sub_id === 'youtube');
      expect(youtube.slice(1, 3)).to.deep.equal(['1', String(yt.length)]);
      expect(youtube[4]).to.equal(usd(sum(yt.filter(isEarned).map((c) => c.amount_cents))));
      expect(tableRows(bySub.text).map((r) => r[0])).to.include('(no SubID)');
    });

    it('for one SubID', async () => {
      const res = await get('/partner-center/reports?sid=newsletter');
      expect(res.status).to.equal(200);
      const [, clicks, sales] = totalRow(res.text);
      const a = of(fx, fx.a.id);
      expect(clicks).to.equal(String(a.visits.filter((v) => v.sub_id === 'newsletter').length));
      expect(sales).to.equal(String(a.commissions.filter((c) => c.sub_id === 'newsletter' && c.kind === 'sale').length));
    });

    it('says so for an unknown SubID and refuses a malformed one', async () => {
      const unknown = await get('/partner-center/reports?sid=tiktok');
      expect(unknown.status).to.equal(200);
      expect(decode(unknown.text)).to.contain('SubID "tiktok" has no clicks or sales from 2026-02-14 to 2026-03-15');
      const bad = await get('/partner-center/reports?sid=%3DHYPERLINK(1)');
      expect(bad.status).to.equal(400);
      expect(flash(bad.text)).to.contain('SubID: "=HYPERLINK(1)" is not a SubID');
      expect(tableRows(bad.text)).to.have.length(30);
    });

    it('explains a daily report over more than 400 days and shows months', async () => {
      const res = await get('/partner-center/reports?from=2024-01-01&to=2026-03-15&group=day');
      expect(res.status).to.equal(400);
      expect(flash(res.text)).to.contain('Group by: a report by day shows at most 400 rows').and.contain('Showing months instead');
      expect(tableRows(res.text)[0]![0]).to.equal('Jan 2024');
    });

    it('explains a range longer than exports allow, and an unknown grouping', async () => {
      const res = await get('/partner-center/reports?from=1990-01-01&to=2026-03-15&group=hour&by=country');
      expect(res.status).to.equal(400);
      const text = flash(res.text)!;
      expect(text).to.contain('the longest allowed is 3660').and.contain('Group by: "hour"').and.contain('Report by: "country"');
      expect(tableRows(res.text)).to.have.length(30);
    });
  });

  describe('promo tools', () => {
    it('gives each tool the partner tracked link with orid and opid', async () => {
      const res = await get('/partner-center/promo-tools');
      expect(res.status).to.equal(200);
      const text = decode(res.text);
      const origin = tg.url;
      // The snippet is HTML to paste: `&` inside its href is written `&amp;`.
      expect(text).to.contain(`<a href="${origin}/course/?orid=9001&amp;opid=${fx.promoTools.banner}"><img src="${origin}/wp-content/uploads/banner-728x90.png" width="728" height="90" alt="Leaderboard banner 728x90"></a>`);
      expect(text).to.contain(`Have a look: ${origin}/?orid=9001&opid=${fx.promoTools.email}`);
      expect(text).to.contain(`${origin}/free/?orid=9001&opid=${fx.promoTools.lightbox}`);
      expect(res.text).to.match(/<img src="[^"]+banner-728x90.png" alt="Preview of Leaderboard banner 728x90" width="728" height="90"/);
      expect(res.text).to.contain('data-copy-target="tool-');
    });

    it('never renders a tool\'s HTML or a javascript: image, and hides other programs\' tools', async () => {
      const res = await get('/partner-center/promo-tools');
      expect(res.text).to.not.contain('<h2>Wait!</h2>');
      // A lightbox's body reaches the page and the embed code as text only.
      expect(res.text).to.contain('data-text="Wait! Free chapter: here"');
      expect(res.text).to.not.contain('Exit lightbox <script>');
      expect(res.text).to.not.match(/src="javascript:/i);
      expect(res.text).to.contain('Odd banner');
      expect(res.text).to.not.contain('Silver only pricing link');
    });
  });

  describe('links', () => {
    it('shows the referral link and the SubIDs with their stats (legacy ones too)', async () => {
      const res = await get('/partner-center/links');
      expect(res.status).to.equal(200);
      expect(decode(res.text)).to.contain(`data-testid="referral-link">${tg.url}/?orid=9001<`);
      const rows = tableRows(res.text);
      const start = nyMidnight('2026-02-14');
      const end = nyMidnight('2026-03-16');
      const a = of(fx, fx.a.id);
      for (const sid of ['newsletter', 'youtube']) {
        const row = rows.find((r) => r[0] === sid)!;
        const cs = a.commissions.filter((c) => c.sub_id === sid && within(c.transaction_at, start, end));
        expect(row.slice(1, 4), sid).to.deep.equal([
          String(a.visits.filter((v) => v.sub_id === sid && within(v.visited_at, start, end)).length),
          String(cs.filter((c) => c.kind === 'sale' && c.status !== 'declined').length),
          usd(sum(cs.filter(isEarned).map((c) => c.amount_cents))),
        ]);
      }
      expect(rows.find((r) => r[0] === 'legacy-sub')).to.deep.equal(['legacy-sub', '0', '0', usd(0), usd(0)]);
    });

    it('builds a link for a page of the site with a SubID', async () => {
      const res = await get('/partner-center/links?path=%2Fpricing%3Fplan%3Dpro&sid=fb-ads');
      expect(res.status).to.equal(200);
      expect(decode(res.text)).to.contain(`value="${tg.url}/pricing?plan=pro&orid=9001&sid=fb-ads"`);
    });

    for (const [name, query, message] of [
      ['another site', 'path=https%3A%2F%2Fevil.example.net%2F', /Page: must be a page on 127\.0\.0\.1/],
      ['a scheme-relative path', 'path=%2F%2Fevil.example.net', /Page: must be a page on/],
      ['a SubID with spaces', 'path=%2F&sid=my%20list', /SubID: use 1 to 64 letters/],
      ['a SubID too long', `path=%2F&sid=${'x'.repeat(65)}`, /SubID: use 1 to 64 letters/],
    ] as const) {
      it(`refuses ${name} and keeps the rest of the page`, async () => {
        const res = await get(`/partner-center/links?${query}`);
        expect(res.status).to.equal(400);
        expect(flash(res.text)).to.match(message);
        expect(res.text).to.not.contain('data-testid="built-link"');
        expect(res.text).to.contain('data-testid="referral-link"');
        expect(tableRows(res.text).length).to.be.greaterThan(0);
      });
    }
  });
});
