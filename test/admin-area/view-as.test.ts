/**
 * View as partner: the administrator sees the partner's own partner center with a banner, cannot change anything
 * while viewing (a POST is refused and no row of any table changes), and the start and the end (by the button or
 * by signing out) are audited.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import request from 'supertest';
import { ADMIN_BASE } from '../../src/admin-area/index.js';
import type { Store } from '../../src/store/index.js';
import { signInAs } from '../support/gateway.js';
import { forEachStore, tablesInDeleteOrder } from '../support/store.js';
import { adminAreaGateway } from './support.js';

/**
 * Every row of every table, as text: equal before and after means nothing was written. A session's "last seen"
 * pair is left out: reading a page may move it (that is the session's idle timer, not a change of data).
 */
async function dumpStore(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tablesInDeleteOrder) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(store.db)).rows;
    out[t] = JSON.stringify(rows.map(({ last_seen_at: _seen, idle_expires_at: _idle, ...r }) => JSON.stringify(r)).sort());
  }
  return out;
}

forEachStore('admin area: view as partner', (ctx) => {
  const t = adminAreaGateway(ctx);

  const audit = async (action: string) => ctx.store.db.selectFrom('audit_log').select(['actor_account_id', 'partner_id', 'details_json']).where('action', '=', action).execute();
  const start = async () => {
    const res = await t.post(`${ADMIN_BASE}/partners/${t.fx.a.id}/view-as`);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/partner-center/');
  };

  it('shows the partner center as the partner sees it, bannered on every page, and audits the start', async () => {
    await start();
    expect(await audit('admin.view_as_started')).to.deep.equal([{ actor_account_id: t.admin.accountId, partner_id: t.fx.a.id, details_json: '{}' }]);
    for (const path of ['/partner-center/', '/partner-center/commissions/pending', '/partner-center/settings', `${ADMIN_BASE}/partners`]) {
      const page = await t.get(path);
      expect(page.status, path).to.equal(200);
      expect(page.text, path).to.contain('data-testid="view-as-banner"');
      expect(page.text, path).to.contain('Viewing as Ada Lovelace');
    }
    const settings = await t.get('/partner-center/settings');
    expect(settings.text).to.contain('ada.pay@example.com');
    expect(settings.text, 'never partner B').to.not.contain('bob.pay@example.com');
    expect(settings.text, 'the partner\'s sign-in email, not the administrator\'s').to.contain(t.fx.a.email);
    expect(settings.text).to.not.contain('ops@example.test');
  });

  it('is read-only: a POST while viewing is refused, and after those and page reads no row of any table changed', async () => {
    await start();
    const before = await dumpStore(ctx.store);
    for (const [path, form] of [
      ['/partner-center/settings/time-zone', { time_zone: 'Europe/Berlin' }],
      ['/partner-center/settings/paypal', { paypal_email: 'thief@example.test', current_password: 'x' }],
      ['/sso/password', { current_password: 'x', new_password: 'another long password 1', new_password_confirm: 'another long password 1' }],
      [`${ADMIN_BASE}/outbox/1/retry`, {}],
      [`${ADMIN_BASE}/blocks/reload`, {}],
      [`${ADMIN_BASE}/partners/${t.fx.b.id}/view-as`, {}],
    ] as const) {
      const res = await t.post(path, form).set('Accept', 'application/json');
      expect(res.status, path).to.equal(403);
      expect(res.body.error.message, path).to.contain('read-only');
    }
    // Reading pages writes nothing either: the partner center, and the sign-in pages that act on the account.
    for (const path of ['/partner-center/', '/partner-center/settings', '/sso/two-factor/setup', '/sso/session']) await t.get(path);
    expect(await dumpStore(ctx.store)).to.deep.equal(before);
    const partner = await ctx.store.db.selectFrom('partners').select(['time_zone', 'paypal_email']).where('id', '=', t.fx.a.id).executeTakeFirstOrThrow();
    expect(partner).to.deep.equal({ time_zone: 'America/New_York', paypal_email: 'ada.pay@example.com' });
  });

  it('ends by the button (audited once), after which the partner center is the admin area again', async () => {
    await start();
    const end = await t.post(`${ADMIN_BASE}/view-as/end`);
    expect(end.status).to.equal(303);
    expect(end.headers.location).to.equal(`${ADMIN_BASE}/partners/${t.fx.a.id}?done=view_ended`);
    expect(await t.post(`${ADMIN_BASE}/view-as/end`).then((r) => r.status)).to.equal(303);
    const ended = await audit('admin.view_as_ended');
    expect(ended).to.have.length(1);
    expect(JSON.parse(ended[0]!.details_json!)).to.include({ reason: 'button' });
    expect(ended[0]!.partner_id).to.equal(t.fx.a.id);
    const home = await t.get('/partner-center/').set('Accept', 'text/html');
    expect(home.status).to.equal(303);
    expect(home.headers.location).to.equal(`${ADMIN_BASE}/`);
    expect((await t.get(`${ADMIN_BASE}/partners`)).text).to.not.contain('view-as-banner');
  });

  it('ends on sign-out (audited), and the sign-out itself still works', async () => {
    await start();
    const out = await t.post('/sso/sign-out');
    expect(out.status).to.equal(303);
    const ended = await audit('admin.view_as_ended');
    expect(ended.map((e) => JSON.parse(e.details_json!).reason)).to.deep.equal(['sign_out']);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(0);
    expect(await ctx.store.db.selectFrom('kv').select('key').where('key', 'like', 'admin.view_as|%').execute()).to.have.length(0);
  });

  it('a partner cannot start a view (403) and a partner session is never bannered', async () => {
    const partner = await signInAs(t.tg, t.fx.b.id);
    const res = await request(t.tg.url).post(`${ADMIN_BASE}/partners/${t.fx.a.id}/view-as`).set('Cookie', partner.cookie).set('Origin', t.tg.url).set('Accept', 'application/json').type('form').send({ _csrf: partner.csrfToken });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('auth.forbidden');
    expect(await audit('admin.view_as_started')).to.have.length(0);
    const home = await request(t.tg.url).get('/partner-center/').set('Cookie', partner.cookie);
    expect(home.status).to.equal(200);
    expect(home.text).to.not.contain('view-as-banner');
  });
});
