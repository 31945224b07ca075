/**
 * IDOR: partner A never sees partner B's rows on any page, whatever ids A puts in the query or the path; the
 * same pages as B do show B's rows (so the markers are real). Also paging over a list longer than a page.
 */
import { expect } from 'chai';
import { forEachStore } from '../support/store.js';
import { signInAs, type TestGateway } from '../support/gateway.js';
import { DAY, FIXED_NOW, type Fixture } from './fixture.js';
import { openPartnerCenter, decode, flash, getPage, tableRows } from './helpers.js';

forEachStore('partner center isolation and paging', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let a: string;
  let b: string;

  before(async () => {
    ({ tg, fx, cookie: a } = await openPartnerCenter(ctx.store));
    b = (await signInAs(tg, fx.b.id)).cookie;
  });
  after(async () => {
    await tg?.close();
  });

  const pages = () => {
    const bIds = `partner_id=${fx.b.id}&partnerId=${fx.b.id}&partner=${fx.b.id}&contact_id=${fx.b.contactId}&account_id=${fx.b.accountId}`;
    const all = 'from=2025-01-01&to=2026-03-15';
    return [
      `/partner-center/?${bIds}`,
      `/partner-center/?${all}&${bIds}`,
      `/partner-center/contacts?${bIds}`,
      `/partner-center/contacts?as=last&${all}&${bIds}`,
      `/partner-center/commissions?${bIds}`,
      `/partner-center/commissions?status=pending&${bIds}`,
      `/partner-center/commissions?status=approved&${bIds}`,
      `/partner-center/commissions?status=paid&${bIds}`,
      `/partner-center/commissions/pending?${bIds}`,
      `/partner-center/commissions/paid?${bIds}`,
      `/partner-center/products/${fx.products.bOnly}?${all}&${bIds}`,
      `/partner-center/products/${fx.products.course}?${all}&${bIds}`,
      `/partner-center/subscriptions?${bIds}`,
      `/partner-center/earnings?${all}&${bIds}`,
      `/partner-center/reports?${all}&group=month&${bIds}`,
      `/partner-center/reports?${all}&by=promo&${bIds}`,
      `/partner-center/reports?${all}&by=subid&${bIds}`,
      `/partner-center/reports?${all}&sid=bsecret&${bIds}`,
      `/partner-center/promo-tools?${bIds}`,
      `/partner-center/links?${all}&sid=x&path=%2F&${bIds}`,
      `/partner-center/settings?${bIds}`,
    ];
  };

  it("shows none of partner B's rows to partner A on any page", async () => {
    for (const path of pages()) {
      const res = await getPage(tg, a, path);
      expect(res.status, path).to.be.oneOf([200, 400]);
      const text = decode(res.text);
      // A SubID typed by A is echoed back ("has no clicks or sales"): that is A's own input, not B's data.
      const typed = new URL(path, 'http://x').searchParams.get('sid');
      for (const marker of fx.bMarkers) if (marker !== typed) expect(text, `${marker} on ${path}`).to.not.contain(marker);
      expect(text, path).to.contain('Ada Lovelace');
    }
  });

  it("reports nothing for B's SubID to A", async () => {
    const res = await getPage(tg, a, '/partner-center/reports?from=2025-03-01&to=2026-03-15&group=month&sid=bsecret');
    expect(res.status).to.equal(200);
    expect(decode(res.text)).to.contain('SubID "bsecret" has no clicks or sales');
    const rows = tableRows(res.text);
    expect(rows).to.have.length(13);
    for (const r of rows) expect([r[1], r[2]]).to.deep.equal(['0', '0']);
  });

  it("shows partner B's rows to B on the same pages (the markers are real)", async () => {
    const seen = new Set<string>();
    for (const path of pages()) {
      const text = decode((await getPage(tg, b, path)).text);
      for (const marker of fx.bMarkers) if (text.includes(marker)) seen.add(marker);
      expect(text, path).to.not.contain('Ada Lovelace');
    }
    expect([...seen].sort()).to.deep.equal([...fx.bMarkers].sort());
  });

  it("does not confirm B's settings change link for A", async () => {
    // A link B would have received, made the way the service makes it, used by A.
    const res = await getPage(tg, a, '/partner-center/settings/paypal/confirm?token=not-a-token-of-yours');
    expect(res.status).to.equal(400);
    expect(flash(res.text)).to.match(/expired, was already used, or belongs to another account/);
  });

  describe('paging', () => {
    before(async () => {
      for (let i = 0; i < 60; i++) {
        await ctx.store.db
          .insertInto('contacts')
          .values({ first_name: `Lead${String(i).padStart(2, '0')}`, last_name: 'Paged', email: null, first_referrer_id: fx.a.id, last_referrer_id: null, added_at: FIXED_NOW - 100 * DAY - i * 60_000, updated_at: FIXED_NOW })
          .execute();
      }
    });

    it('walks a list longer than a page with previous / next links', async () => {
      const names: string[] = [];
      let path: string | undefined = '/partner-center/contacts';
      let pagesSeen = 0;
      while (path) {
        const res = await getPage(tg, a, path);
        expect(res.status).to.equal(200);
        const rows = tableRows(res.text);
        expect(rows.length).to.be.at.most(25);
        names.push(...rows.map((r) => r[0]!));
        const next = /<a href="([^"]+)" rel="next">/.exec(res.text)?.[1];
        if (pagesSeen > 0) expect(res.text).to.match(/rel="prev"/);
        path = next ? decode(next) : undefined;
        pagesSeen++;
      }
      expect(pagesSeen).to.equal(3);
      expect(names).to.have.length(63);
      expect(new Set(names).size).to.equal(63);
      expect(names.slice(3, 6)).to.deep.equal(['Lead00 Paged', 'Lead01 Paged', 'Lead02 Paged']);
    });

    it('keeps the filter in the page links', async () => {
      const res = await getPage(tg, a, '/partner-center/contacts?from=2025-01-01&to=2026-03-15');
      expect(decode(res.text)).to.match(/href="\/partner-center\/contacts\?from=2025-01-01&to=2026-03-15&page=2" rel="next"/);
    });
  });
});
