/**
 * The wp-shim plugin in a real WordPress behind the gateway: the hand-off after wp-login.php (verified here with
 * jose, then accepted by the gateway's /sso/wordpress), the export and settings REST routes, the legacy page 301.
 */
import { expect } from 'chai';
import { jwtVerify } from 'jose';
import { deriveKey } from '../../src/common/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { addPartner } from './fixtures.js';
import { CookieJar, send } from './http.js';
import { basicAuth, logIn } from './wp-flows.js';

interface ExportBody {
  users: Array<{ id: number; login: string; email: string; roles: string[]; partner: boolean; meta: Record<string, unknown> }>;
  users_total: number;
  pages: number;
  pilotpress_settings: Record<string, unknown> | null;
  legacy_partner_center: { id: number; slug: string; system_page: string; url: string; status: string } | null;
  plr: { affiliate_plr: unknown; affiliate_plr_url: string | null; customer_plr_url: string | null };
  shim: { settings: Record<string, unknown>; effective: Record<string, unknown>; gateway_url: string; secret_configured: boolean };
}

describe('wp-shim: a real WordPress plugin behind the gateway', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let base: string;
  const admin = () => basicAuth(wp.admin.login, wp.admin.appPassword);
  const settings = (body: Record<string, unknown>) =>
    send(`${base}/wp-json/partnergate/v1/settings`, { method: 'POST', headers: [admin(), ['Content-Type', 'application/json']], body: JSON.stringify(body) });

  async function handoffTokenOf(location: string | undefined): Promise<Record<string, unknown>> {
    expect(location).to.match(new RegExp(`^${base}/sso/wordpress\\?token=[A-Za-z0-9_.-]+$`));
    const token = decodeURIComponent(new URL(location!).searchParams.get('token')!);
    const { payload, protectedHeader } = await jwtVerify(token, deriveKey(wp.secret, 'handoff'), { algorithms: ['HS256'], audience: base, issuer: base });
    expect(protectedHeader).to.deep.equal({ alg: 'HS256', typ: 'JWT' });
    return payload as Record<string, unknown>;
  }

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, wp.gatewayEnv());
    base = gw.url;
    // The site is shared by the whole run: start from the state a fresh install has, whatever ran before.
    await wp.setPilotPress(false);
    const reset = await settings({ login_redirect: 'handoff', legacy_page_301: false, legacy_page_target: '', assertion_login: false });
    expect(reset.status).to.equal(200);
  });
  after(async () => {
    await wp?.setPilotPress(false);
    await settings({ login_redirect: 'handoff', legacy_page_301: false, legacy_page_target: '', assertion_login: false }).catch(() => undefined);
    await gw?.close();
    await ts?.dispose();
  });

  it('derives the same per-purpose keys in PHP as the gateway does', async () => {
    const php = await wp.php<string[]>(`return array( bin2hex( Partnergate\\Shim\\derive_key( ${JSON.stringify(wp.secret)}, 'handoff' ) ), bin2hex( Partnergate\\Shim\\derive_key( ${JSON.stringify(wp.secret)}, 'identity-assertion' ) ) );`);
    expect(php).to.deep.equal([Buffer.from(deriveKey(wp.secret, 'handoff')).toString('hex'), Buffer.from(deriveKey(wp.secret, 'identity-assertion')).toString('hex')]);
  });

  it('sends a partner who logs in at wp-login.php to the gateway with a one-minute signed hand-off, and signs them in to WordPress too', async () => {
    const jar = new CookieJar();
    const r = await logIn(base, jar, wp.partner.login, wp.partner.password);
    expect(r.status).to.equal(302);
    const claims = await handoffTokenOf(r.headers.location);
    expect(claims).to.include({ iss: base, aud: base, sub: String(wp.partner.id), email: wp.partner.email });
    expect(claims.jti).to.match(/^[0-9a-f]{32}$/);
    expect((claims.exp as number) - (claims.iat as number)).to.equal(60);
    expect(Math.abs((claims.iat as number) - Date.now() / 1000)).to.be.lessThan(10);
    expect(claims).not.to.have.property('rd');
    expect(jar.names().some((n) => n.startsWith('wordpress_logged_in_'))).to.equal(true);
  });

  it('mints a fresh token (new jti) at every login', async () => {
    const a = await handoffTokenOf((await logIn(base, new CookieJar(), wp.partner.login, wp.partner.password)).headers.location);
    const b = await handoffTokenOf((await logIn(base, new CookieJar(), wp.partner.login, wp.partner.password)).headers.location);
    expect(a.jti).not.to.equal(b.jti);
  });

  it('leaves a customer (not a partner) and an administrator where WordPress sends them', async () => {
    const customer = await logIn(base, new CookieJar(), wp.customer.login, wp.customer.password);
    expect(customer.headers.location).to.equal(`${base}/wp-admin/profile.php`);
    const administrator = await logIn(base, new CookieJar(), wp.admin.login, wp.admin.password);
    expect(administrator.headers.location).to.equal(`${base}/wp-admin/`);
  });

  it('keeps the re-authentication modal (interim-login) inside WordPress', async () => {
    const jar = new CookieJar();
    await send(`${base}/wp-login.php`, { jar });
    const r = await send(`${base}/wp-login.php`, { jar, method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: new URLSearchParams({ log: wp.partner.login, pwd: wp.partner.password, 'interim-login': '1', testcookie: '1' }).toString() });
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('You have logged in successfully');
  });

  it('lands the partner signed in at the partner center when the gateway accepts the hand-off, and refuses a replay', async () => {
    const partner = await addPartner(ts.store, { email: wp.partner.email });
    const now = Date.now();
    await ts.store.db.insertInto('accounts').values({ partner_id: partner.partnerId, email: wp.partner.email, role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: null, disabled_at: null } as never).execute();
    // The same browser (cookie jar) that logged in to WordPress through the gateway: it holds the hand-off binding.
    const jar = new CookieJar();
    const login = await logIn(base, jar, wp.partner.login, wp.partner.password);
    expect(login.setCookies.some((c) => c.startsWith('pg_handoff=')), 'the proxy binds the hand-off to this browser').to.equal(true);
    const elsewhere = await send(login.headers.location!);
    expect(elsewhere.status, 'the link opened without the binding (another browser)').to.equal(400);
    const handoff = await send(login.headers.location!, { jar });
    expect(handoff.status, handoff.text.slice(0, 300)).to.be.oneOf([302, 303]);
    expect(handoff.headers.location).to.match(/^(\/partner-center\/|http:\/\/127\.0\.0\.1:\d+\/partner-center\/)/);
    expect(handoff.setCookies.some((c) => c.startsWith('pg_session='))).to.equal(true);
    const replay = await send(login.headers.location!);
    expect(replay.status).to.be.within(400, 499);
    expect(replay.setCookies.some((c) => /^pg_session=[^;]+/.test(c))).to.equal(false);
  });

  describe('set up the way PilotPress leaves one', () => {
    let pilot: { pageId: number | null; pageUrl: string | null };
    before(async () => {
      pilot = await wp.setPilotPress(true);
    });
    after(async () => {
      await settings({ legacy_page_301: false, login_redirect: 'handoff' });
    });

    it('puts the pilotpress_affiliate_plr page into the hand-off as rd for a PilotPress partner (program_id usermeta)', async () => {
      const r = await logIn(base, new CookieJar(), wp.pilotPartner.login, wp.pilotPartner.password);
      const claims = await handoffTokenOf(r.headers.location);
      expect(claims).to.include({ sub: String(wp.pilotPartner.id), email: wp.pilotPartner.email, rd: `${base}/affiliate-center/` });
      expect(pilot.pageUrl).to.equal(`${base}/affiliate-center/`);
    });

    it('leaves rd out when the plr destination is a host allowed_redirect_hosts does not list', async () => {
      await wp.php(`$s = get_option( 'pilotpress-settings' ); $s['pilotpress_affiliate_plr'] = 'https://elsewhere.example/partners'; update_option( 'pilotpress-settings', $s ); return true;`);
      try {
        const claims = await handoffTokenOf((await logIn(base, new CookieJar(), wp.pilotPartner.login, wp.pilotPartner.password)).headers.location);
        expect(claims).not.to.have.property('rd');
      } finally {
        await wp.setPilotPress(true);
      }
    });

    it('exports users, PilotPress settings (API key redacted), the legacy page and the plr settings to an administrator', async () => {
      const r = await send(`${base}/wp-json/partnergate/v1/export?per_page=2&page=1`, { headers: [admin()] });
      expect(r.status).to.equal(200);
      const first = r.json<ExportBody>();
      expect(first.users).to.have.length(2);
      expect(first.users_total).to.be.at.least(4);
      expect(first.pages).to.equal(Math.ceil(first.users_total / 2));
      const second = (await send(`${base}/wp-json/partnergate/v1/export?per_page=2&page=2`, { headers: [admin()] })).json<ExportBody>();
      expect(second.users[0]!.id).to.be.greaterThan(first.users[1]!.id);
      const all = (await send(`${base}/wp-json/partnergate/v1/export?per_page=5000`, { headers: [admin()] })).json<ExportBody>();
      expect(all.users).to.have.length(first.users_total);
      const users = all.users;
      const byLogin = Object.fromEntries(users.map((u) => [u.login, u]));
      expect(byLogin.admin).to.include({ email: wp.admin.email, partner: false });
      expect(byLogin.admin!.roles).to.deep.equal(['administrator']);
      expect(byLogin.partner).to.include({ id: wp.partner.id, email: wp.partner.email, partner: true });
      expect(byLogin.partner!.meta).to.deep.equal({ partnergate_partner: '1' });
      expect(byLogin.pilotpartner!.meta).to.deep.equal({ program_id: '3', contact_id: '7781' });
      expect(byLogin.pilotpartner!.partner).to.equal(true);
      expect(byLogin.customer).to.include({ partner: false });
      expect(first.pilotpress_settings).to.include({ affiliate_center: 'on', app_id: '2_1234_AbCdEf', pilotpress_affiliate_plr: String(pilot.pageId) });
      expect(String(first.pilotpress_settings!.api_key)).to.match(/^\[redacted/);
      expect(first.legacy_partner_center).to.include({ id: pilot.pageId, slug: 'affiliate-center', system_page: 'affiliate_center', url: `${base}/affiliate-center/`, status: 'publish' });
      expect(first.plr).to.deep.include({ affiliate_plr: String(pilot.pageId), affiliate_plr_url: `${base}/affiliate-center/`, customer_plr_url: `${base}/` });
      expect(first.shim).to.deep.include({ gateway_url: base, secret_configured: true });
    });

    it('refuses the export without credentials, with a wrong Application Password, and to a non-administrator', async () => {
      expect((await send(`${base}/wp-json/partnergate/v1/export`)).status).to.equal(401);
      expect((await send(`${base}/wp-json/partnergate/v1/export`, { headers: [basicAuth(wp.admin.login, 'abcd efgh ijkl mnop qrst uvwx')] })).status).to.equal(401);
      const jar = new CookieJar();
      await logIn(base, jar, wp.customer.login, wp.customer.password);
      const nonce = (await send(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`, { jar })).text;
      expect((await send(`${base}/wp-json/partnergate/v1/export`, { jar, headers: [['X-WP-Nonce', nonce]] })).status).to.equal(403);
    });

    it('switches the legacy page to a 301 to the new partner center, answers the previous values, and rolls back', async () => {
      expect((await send(`${base}/affiliate-center/`)).status).to.equal(200);
      const on = await settings({ legacy_page_301: true, legacy_page_target: '' });
      expect(on.status).to.equal(200);
      const { previous, current } = on.json<{ previous: Record<string, unknown>; current: Record<string, unknown> }>();
      expect(previous).to.include({ legacy_page_301: false, login_redirect: 'handoff' });
      expect(current).to.include({ legacy_page_301: true });
      const moved = await send(`${base}/affiliate-center/`);
      expect(moved.status).to.equal(301);
      expect(moved.headers.location).to.equal(`${base}/partner-center/`);
      expect(moved.headers['x-redirect-by']).to.equal('Partnergate');
      const byId = await send(`${base}/?page_id=${pilot.pageId}`);
      expect(byId.status).to.equal(301);
      expect((await send(`${base}/hello-world/`)).status).to.equal(200);
      const back = await settings(previous);
      expect(back.json<{ previous: Record<string, unknown> }>().previous).to.include({ legacy_page_301: true });
      expect((await send(`${base}/affiliate-center/`)).status).to.equal(200);
    });

    it('switches the post-login redirect back to WordPress (rollback) and on again', async () => {
      const off = await settings({ login_redirect: 'wordpress' });
      expect(off.json<{ previous: Record<string, unknown> }>().previous).to.include({ login_redirect: 'handoff' });
      const r = await logIn(base, new CookieJar(), wp.partner.login, wp.partner.password);
      expect(r.headers.location).to.equal(`${base}/wp-admin/profile.php`);
      await settings({ login_redirect: 'handoff' });
      expect((await logIn(base, new CookieJar(), wp.partner.login, wp.partner.password)).headers.location).to.match(/\/sso\/wordpress\?token=/);
    });

    const badSettings: Array<[string, Record<string, unknown>]> = [
      ['unknown name', { legacy_page: true }],
      ['login_redirect not one of the two values', { login_redirect: 'elsewhere' }],
      ['legacy_page_301 as a string', { legacy_page_301: 'yes' }],
      ['legacy_page_target not a URL', { legacy_page_target: 'javascript:alert(1)' }],
    ];
    for (const [name, body] of badSettings) {
      it(`refuses invalid settings, changing nothing: ${name}`, async () => {
        const before = (await send(`${base}/wp-json/partnergate/v1/settings`, { headers: [admin()] })).json<{ settings: unknown }>().settings;
        const r = await settings(body);
        expect(r.status).to.equal(400);
        const after = (await send(`${base}/wp-json/partnergate/v1/settings`, { headers: [admin()] })).json<{ settings: unknown }>().settings;
        expect(after).to.deep.equal(before);
      });
    }
  });
});
