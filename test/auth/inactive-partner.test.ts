/** A partner deactivated in Ontraport (or removed by a full sync) loses the partner center at the next request. */
import { expect } from 'chai';
import request from 'supertest';
import { seedTwoPartners } from '../support/demo.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';

forEachStore('inactive partners', (ctx) => {
  let tg: TestGateway;
  let fixture: Awaited<ReturnType<typeof seedTwoPartners>>;
  before(async () => {
    fixture = await seedTwoPartners(ctx.store);
    tg = await startTestGateway(ctx.store);
  });
  after(() => tg.close());

  it('an active partner sees the dashboard; once inactive, the same session gets a clear 403 and no data', async () => {
    const a = await signInAs(tg, fixture.a.partnerId);
    const before = await request(tg.url).get('/partner-center/').set('Cookie', a.cookie);
    expect(before.status).to.equal(200);
    await ctx.store.db.updateTable('partners').set({ status: 'inactive' }).where('id', '=', fixture.a.partnerId).execute();
    const after = await request(tg.url).get('/partner-center/').set('Cookie', a.cookie);
    expect(after.status).to.equal(403);
    expect(after.text).to.contain('Your partner account is inactive');
    const csv = await request(tg.url).get('/partner-center/exports/commissions.csv').set('Cookie', a.cookie);
    expect(csv.status).to.equal(403);
    await ctx.store.db.updateTable('partners').set({ status: 'active' }).where('id', '=', fixture.a.partnerId).execute();
  });
});
