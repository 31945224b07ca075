/**
 * The proxy's one hook for click tracking: a tracked landing reaches the upstream byte for byte and comes back
 * with WordPress's own cookies plus the attribution cookie; the attribution cookie never reaches WordPress;
 * with tracking off, nothing is added.
 */
import { expect } from 'chai';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type EchoedRequest, type FakeUpstream } from './fake-upstream.js';
import { addPartner } from './fixtures.js';
import { send } from './http.js';
import { PAGE_LOAD } from '../tracking/browser.js';

describe('proxy: click tracking on the pass-through', function () {
  let up: FakeUpstream;
  let ts: TestStore;
  let on: TestGateway;
  let off: TestGateway;

  before(async () => {
    up = await startFakeUpstream();
    ts = await createTestStore('sqlite');
    on = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url });
    off = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_TRACK_CLICKS: 'false' });
  });
  after(async () => {
    await on?.close();
    await off?.close();
    await up?.close();
    await ts?.dispose();
  });

  it('passes a tracked landing through unchanged and adds the attribution cookie after WordPress\'s own', async () => {
    const p = await addPartner(ts.store);
    const target = `/echo/pricing/?utm_source=x&orid=${p.referralCode}&opid=abc&sid=s-1`;
    const r = await send(`${on.url}${target}`, { headers: PAGE_LOAD });
    expect(r.status).to.equal(200);
    expect(r.json<EchoedRequest>().url).to.equal(target);
    expect(r.setCookies.slice(0, 2)).to.deep.equal(['one=1; Path=/', 'two=2; Path=/; HttpOnly']);
    expect(r.setCookies).to.have.length(3);
    expect(r.setCookies[2]).to.match(new RegExp(`^pg_ref=${p.referralCode}\\.\\.s-1\\.\\d+\\.\\d+; Max-Age=\\d+; Path=/; HttpOnly; SameSite=Lax$`));
    // A shared cache must not hand this visitor's attribution cookie to the next one.
    expect(r.headers['cache-control']).to.equal('private');
    expect(r.headers.vary).to.equal('Cookie');
    await on.gateway.clicks!.flush();
    const rows = await ts.store.db.selectFrom('visits').select(['partner_id', 'landing_path', 'sub_id', 'promo_tool_id']).where('partner_id', '=', p.partnerId).execute();
    expect(rows).to.deep.equal([{ partner_id: p.partnerId, landing_path: '/echo/pricing/', sub_id: 's-1', promo_tool_id: null }]);
  });

  it('keeps the attribution cookie from WordPress, and the other cookies in their order', async () => {
    const r = await send(`${on.url}/echo`, { headers: [...PAGE_LOAD, ['Cookie', 'a=1; pg_ref=123...20000.20000; b=2']] });
    expect(r.json<EchoedRequest>().headers.cookie).to.equal('a=1; b=2');
  });

  it('adds nothing and records nothing with PARTNERGATE_TRACK_CLICKS=false', async () => {
    const p = await addPartner(ts.store);
    expect(off.gateway.clicks).to.equal(undefined);
    const r = await send(`${off.url}/echo/?orid=${p.referralCode}`, { headers: PAGE_LOAD });
    expect(r.setCookies).to.deep.equal(['one=1; Path=/', 'two=2; Path=/; HttpOnly']);
    expect(r.headers['cache-control']).to.equal(undefined);
    await on.gateway.clicks!.flush();
    const n = await ts.store.db.selectFrom('visits').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', p.partnerId).executeTakeFirstOrThrow();
    expect(Number(n.n)).to.equal(0);
  });

  it('answers a crawler on a tracked link as WordPress does, with no attribution cookie', async () => {
    const p = await addPartner(ts.store);
    const r = await send(`${on.url}/echo/?orid=${p.referralCode}`, { headers: [['User-Agent', 'facebookexternalhit/1.1']] });
    expect(r.status).to.equal(200);
    expect(r.setCookies).to.deep.equal(['one=1; Path=/', 'two=2; Path=/; HttpOnly']);
  });
});
