/**
 * The session lookup carries the account's partner (with its contact and program), read fresh on every request:
 * the partner-center pages take who is asking from it, so a change in the store shows on the next page without
 * signing in again (a partner deactivated in Ontraport, or removed by a full sync, loses the partner center at
 * the next request), and an account with no partner carries none.
 */
import { expect } from 'chai';
import request from 'supertest';
import { findSessionWithAccount } from '../../src/accounts/index.js';
import { openSession, sessionPolicyFrom } from '../../src/auth/sessions.js';
import { sha256 } from '../../src/common/tokens.js';
import { seedTwoPartners } from '../support/demo.js';
import { useTestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';

forEachStore('the partner a session carries', (ctx) => {
  let fixture: Awaited<ReturnType<typeof seedTwoPartners>>;
  before(async () => {
    fixture = await seedTwoPartners(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store);

  it("returns the partner's own record, contact and program with the session", async () => {
    const a = await tg.signIn(fixture.a.partnerId);
    const s = await findSessionWithAccount(ctx.store.db, sha256(a.cookieValue));
    expect(s?.account_id).to.equal(fixture.a.accountId);
    expect(s?.partner).to.deep.include({
      id: fixture.a.partnerId,
      contact_id: fixture.a.contactId,
      referral_code: fixture.a.referralCode,
      first_name: fixture.a.name.first,
      last_name: fixture.a.name.last,
      paypal_email: fixture.a.paypalEmail,
      status: 'active',
      program_name: 'Fixture Program',
      currency: 'USD',
      rate_bp: 2000,
    });
  });

  it('an account with no partner (an admin) carries none', async () => {
    const { id } = await ctx.store.db
      .insertInto('accounts')
      .values({ partner_id: null, email: 'admin-session@example.com', role: 'admin', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { cookieValue } = await openSession(ctx.store.db, sessionPolicyFrom({ sessionIdleMinutes: 60, sessionAbsoluteHours: 12 }), { accountId: id, method: 'password' });
    const s = await findSessionWithAccount(ctx.store.db, sha256(cookieValue));
    expect(s?.role).to.equal('admin');
    expect(s?.partner).to.equal(null);
  });

  it('a change to the partner, its contact or its program shows on the next page of the same session', async () => {
    const a = await tg.signIn(fixture.a.partnerId);
    const before = await request(tg.url).get('/partner-center/settings').set('Cookie', a.cookie);
    expect(before.status).to.equal(200);
    expect(before.text).to.contain(`${fixture.a.name.first} ${fixture.a.name.last}`);
    expect(before.text).to.contain(fixture.a.paypalEmail!);

    await ctx.store.db.updateTable('contacts').set({ first_name: 'Renamed' }).where('id', '=', fixture.a.contactId).execute();
    await ctx.store.db.updateTable('partners').set({ paypal_email: 'changed.pay@example.com' }).where('id', '=', fixture.a.partnerId).execute();
    try {
      const after = await request(tg.url).get('/partner-center/settings').set('Cookie', a.cookie);
      expect(after.status).to.equal(200);
      expect(after.text).to.contain(`Renamed ${fixture.a.name.last}`);
      expect(after.text).to.contain('changed.pay@example.com');
      expect(after.text).not.to.contain(fixture.a.paypalEmail!);
    } finally {
      await ctx.store.db.updateTable('contacts').set({ first_name: fixture.a.name.first }).where('id', '=', fixture.a.contactId).execute();
      await ctx.store.db.updateTable('partners').set({ paypal_email: fixture.a.paypalEmail }).where('id', '=', fixture.a.partnerId).execute();
    }
  });

  it('an active partner sees the dashboard; once inactive, the same session gets a clear 403 and no data', async () => {
    const a = await tg.signIn(fixture.a.partnerId);
    const before = await request(tg.url).get('/partner-center/').set('Cookie', a.cookie);
    expect(before.status).to.equal(200);
    await ctx.store.db.updateTable('partners').set({ status: 'inactive' }).where('id', '=', fixture.a.partnerId).execute();
    try {
      const after = await request(tg.url).get('/partner-center/').set('Cookie', a.cookie);
      expect(after.status).to.equal(403);
      expect(after.text).to.contain('Your partner account is inactive');
      const csv = await request(tg.url).get('/partner-center/exports/commissions.csv').set('Cookie', a.cookie);
      expect(csv.status).to.equal(403);
    } finally {
      await ctx.store.db.updateTable('partners').set({ status: 'active' }).where('id', '=', fixture.a.partnerId).execute();
    }
  });

  it("another partner's session never shows this partner's record", async () => {
    const b = await tg.signIn(fixture.b.partnerId);
    const page = await request(tg.url).get('/partner-center/settings').set('Cookie', b.cookie);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(`${fixture.b.name.first} ${fixture.b.name.last}`);
    expect(page.text).not.to.contain(fixture.a.name.last);
    if (fixture.a.paypalEmail) expect(page.text).not.to.contain(fixture.a.paypalEmail);
  });
});
