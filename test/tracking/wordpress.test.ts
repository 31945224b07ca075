/**
 * End to end, on an empty store (no demo data) with the real WordPress behind the gateway: a visitor follows the
 * link the partner center gives a partner, WordPress answers the page, and the partner's dashboard counts the
 * click: 1 for the first visit, still 1 after a second visit the same day, 0 for a crawler.
 */
import { expect } from 'chai';
import { startTestGateway, signInAs, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { addPartner } from '../proxy/fixtures.js';
import { CookieJar, send } from '../proxy/http.js';
import { testId } from '../web/fixture.js';
import { PAGE_LOAD } from './browser.js';


describe('tracking: a visitor follows a partner link through the gateway to the real WordPress', function () {
  this.timeout(120_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let base: string;

  async function dashboard(partnerId: number): Promise<{ clicks: string; conversion: string }> {
    const { cookie } = await signInAs(gw, partnerId);
    const res = await send(`${base}/partner-center/`, { headers: [['Cookie', cookie]] });
    expect(res.status).to.equal(200);
    return { clicks: testId(res.text, 'clicks'), conversion: testId(res.text, 'conversion') };
  }

  async function referralLinkOf(partnerId: number): Promise<string> {
    const { cookie } = await signInAs(gw, partnerId);
    const res = await send(`${base}/partner-center/links`, { headers: [['Cookie', cookie]] });
    expect(res.status).to.equal(200);
    return testId(res.text, 'referral-link');
  }

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, wp.gatewayEnv());
    base = gw.url;
  });
  after(async () => {
    await gw?.close();
    await ts?.dispose();
  });

  it('starts from a store without demo data or any click', async () => {
    const { db } = ts.store;
    for (const table of ['visits', 'commissions', 'contacts', 'partners'] as const) {
      const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(r.n), table).to.equal(0);
    }
  });

  it('counts the partner 1 click for a visitor, still 1 after a second visit the same day, and 0 for a crawler', async () => {
    const a = await addPartner(ts.store, { referralCode: '4242' });
    const b = await addPartner(ts.store, { referralCode: '4343' });
    expect(await dashboard(a.partnerId)).to.deep.equal({ clicks: '0', conversion: '—' });

    const link = await referralLinkOf(a.partnerId);
    expect(link).to.equal(`${base}/?orid=4242`);
    const jar = new CookieJar();
    const landing = await send(link, { jar, headers: PAGE_LOAD });
    expect(landing.status).to.equal(200);
    expect(landing.text).to.match(/<html/i);
    expect(landing.setCookies.filter((c) => c.startsWith('pg_ref='))).to.have.length(1);
    expect(landing.setCookies.find((c) => c.startsWith('pg_ref='))).to.match(/; HttpOnly; SameSite=Lax$/);
    await gw.gateway.clicks!.flush();
    expect(await dashboard(a.partnerId)).to.deep.equal({ clicks: '1', conversion: '0.0%' });

    // The same visitor again today: by the link, then a plain page with the attribution cookie.
    expect((await send(link, { jar, headers: PAGE_LOAD })).status).to.equal(200);
    expect((await send(`${base}/`, { jar, headers: PAGE_LOAD })).status).to.equal(200);
    await gw.gateway.clicks!.flush();
    expect((await dashboard(a.partnerId)).clicks).to.equal('1');

    const crawler = await send(await referralLinkOf(b.partnerId), { headers: [['User-Agent', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)']] });
    expect(crawler.status).to.equal(200);
    expect(crawler.setCookies.some((c) => c.startsWith('pg_ref='))).to.equal(false);
    await gw.gateway.clicks!.flush();
    expect(await dashboard(b.partnerId)).to.deep.equal({ clicks: '0', conversion: '—' });
    expect(gw.gateway.clicks!.stats()).to.include({ written: 1 });
  });
});
