/**
 * OpenID Connect sign-in end to end against a real OpenID Provider (oidc-provider 8, started here): code flow
 * with PKCE, state/nonce/verifier bound to the browser and single use, account mapping by verified email,
 * refresh, RP-initiated logout and back-channel logout (real, from the provider, and forged tokens).
 */
import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, seedPartner, sessionInfo } from './support/fixtures.js';

const CLIENT_ID = 'partnergate-test';
const CLIENT_SECRET = 'partnergate-test-client-secret-0123456789';

forEachStore('auth: OpenID Connect', (ctx) => {
  let op: TestOidcProvider;
  let tg: TestGateway;
  let clockOffset = 0;

  before(async () => {
    op = await startOidcProvider();
    tg = await startTestGateway(
      ctx.store,
      { PARTNERGATE_OIDC_ISSUER: op.issuer, PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID, PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET, PARTNERGATE_OIDC_PROVIDER_NAME: 'Example ID' },
      { now: () => Date.now() + clockOffset },
    );
    op.registerClient({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${tg.url}/sso/oidc/callback`,
      postLogoutRedirectUri: `${tg.url}/sso/signed-out`,
      backchannelLogoutUri: `${tg.url}/sso/oidc/backchannel-logout`,
    });
    op.addUser({ sub: 'u-ann', email: 'Ann@Example.test' });
    op.addUser({ sub: 'u-stranger', email: 'stranger@example.test' });
    op.addUser({ sub: 'u-unverified', email: 'unverified@example.test', emailVerified: false });
    op.addUser({ sub: 'u-other-ann', email: 'ann@example.test' });
  });
  after(async () => {
    await tg?.close();
    await op?.close();
  });
  beforeEach(async () => {
    clockOffset = 0;
    await clearTables(ctx.store);
  });

  const signInWithOidc = (browser: CookieBrowser, sub: string, rd = '') => op.login(browser, `${tg.url}/sso/oidc/start${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, sub);
  const callbackResponse = (browser: CookieBrowser) => browser.history.findLast((r) => r.url.startsWith(`${tg.url}/sso/oidc/callback`));
  const sessions = () => ctx.store.db.selectFrom('sessions').selectAll().execute();

  it('signs a partner in: PKCE S256, state and nonce, a verified email mapped to the partner (account created), rd followed', async () => {
    const p = await seedPartner(ctx.store, { email: 'ann@example.test', withAccount: false });
    const browser = newBrowser();
    const start = await browser.request('GET', `${tg.url}/sso/oidc/start?rd=${encodeURIComponent('/partner-center/reports')}`);
    expect(start.status).to.equal(303);
    const auth = new URL(start.location!);
    expect(auth.origin).to.equal(op.issuer);
    expect(auth.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(auth.searchParams.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).to.have.length.greaterThan(20);
    expect(auth.searchParams.get('nonce')).to.have.length.greaterThan(20);
    expect(auth.searchParams.get('redirect_uri')).to.equal(`${tg.url}/sso/oidc/callback`);
    const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('pg_oidc='))!;
    expect(stateCookie).to.match(/HttpOnly/i).and.match(/Max-Age=600/i).and.match(/SameSite=Lax/i);
    // The cookie holds only an opaque handle: the state, nonce and verifier stay server-side.
    const handle = browser.cookie(tg.url, 'pg_oidc')!;
    expect(handle).to.not.contain(auth.searchParams.get('state')!);

    await op.login(browser, start.location!, 'u-ann');
    const cb = callbackResponse(browser)!;
    expect(cb.status).to.equal(303);
    expect(cb.location).to.equal(`${tg.url}/partner-center/reports`);
    expect(browser.cookie(tg.url, 'pg_oidc'), 'the state cookie is cleared').to.equal(undefined);
    const info = await sessionInfo(browser, tg.url);
    expect(info.status).to.equal(200);
    expect(info.body).to.include({ partnerId: p.partnerId, authMethod: 'oidc', email: 'ann@example.test' });
    const account = await ctx.store.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(account.oidc_subject).to.equal(`${op.issuer}#u-ann`);
    const [s] = await sessions();
    expect(s!.oidc_sub).to.equal('u-ann');
    expect(s!.oidc_sid).to.be.a('string');
    const tokens = JSON.parse(s!.oidc_tokens_json!);
    expect(tokens.idToken).to.be.a('string');
    expect(tokens.refreshToken, 'refresh token kept for refresh').to.be.a('string');
  });

  it('links by subject once linked, and refuses a second provider account claiming the same email', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test', password: null });
    expect((await sessionInfo(await signedIn('u-ann'), tg.url)).status).to.equal(200);
    const other = newBrowser();
    const res = await signInWithOidc(other, 'u-other-ann');
    expect(callbackResponse(other)!.status).to.equal(403);
    expect(res.text).to.contain('is linked to a different Example ID account');
    expect((await sessionInfo(other, tg.url)).status).to.equal(401);
  });

  async function signedIn(sub: string, rd = ''): Promise<CookieBrowser> {
    const browser = newBrowser();
    await signInWithOidc(browser, sub, rd);
    return browser;
  }

  it('an unknown email gets a clear 403 page and nothing is created; an unverified email is refused', async () => {
    const stranger = newBrowser();
    await signInWithOidc(stranger, 'u-stranger');
    const cb = callbackResponse(stranger)!;
    expect(cb.status).to.equal(403);
    expect(cb.text).to.contain('No partner account uses stranger@example.test');
    expect(cb.text).to.not.match(/at .*\.ts:\d+/); // no stack trace
    expect(await ctx.store.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    expect(await sessions()).to.have.length(0);

    await seedPartner(ctx.store, { email: 'unverified@example.test', withAccount: false });
    const unverified = newBrowser();
    await signInWithOidc(unverified, 'u-unverified');
    expect(callbackResponse(unverified)!.status).to.equal(403);
    expect(callbackResponse(unverified)!.text).to.contain('no verified email address');
    expect(await sessions()).to.have.length(0);
  });

  it('forged state: a callback whose state is not the one this browser started fails, and the attempt is used up', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = newBrowser();
    const stop = await op.login(browser, `${tg.url}/sso/oidc/start`, 'u-ann', { stopBeforeLeaving: true });
    const callback = new URL(stop.location!);
    expect(callback.pathname).to.equal('/sso/oidc/callback');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'attacker-chosen-state');
    const res = await browser.request('GET', forged.href);
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('could not be verified');
    // Single use: the real callback no longer works either.
    const real = await browser.request('GET', callback.href);
    expect(real.status).to.equal(400);
    expect(await sessions()).to.have.length(0);
  });

  it('missing PKCE verifier / state cookie: a callback opened in another browser (login CSRF) fails and signs nobody in', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const attacker = newBrowser();
    const stop = await op.login(attacker, `${tg.url}/sso/oidc/start`, 'u-ann', { stopBeforeLeaving: true });
    const victim = newBrowser();
    const res = await victim.request('GET', stop.location!);
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('was not started in this browser');
    // A victim with a sign-in of its own in progress: its handle does not match the attacker's code either.
    await victim.request('GET', `${tg.url}/sso/oidc/start`);
    const mixed = await victim.request('GET', stop.location!);
    expect(mixed.status).to.equal(400);
    // A cookie naming no pending sign-in (deleted or invented): same answer.
    const invented = newBrowser();
    invented.setCookie(tg.url, 'pg_oidc', 'not-a-real-handle');
    expect((await invented.request('GET', stop.location!)).status).to.equal(400);
    expect(await sessions()).to.have.length(0);
  });

  it('a callback replayed after success fails; an expired pending sign-in fails', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = newBrowser();
    const stop = await op.login(browser, `${tg.url}/sso/oidc/start`, 'u-ann', { stopBeforeLeaving: true });
    const handle = browser.cookie(tg.url, 'pg_oidc')!;
    expect((await browser.request('GET', stop.location!)).status).to.equal(303);
    browser.setCookie(tg.url, 'pg_oidc', handle);
    expect((await browser.request('GET', stop.location!)).status).to.equal(400);

    const slow = newBrowser();
    const stop2 = await op.login(slow, `${tg.url}/sso/oidc/start`, 'u-ann', { stopBeforeLeaving: true });
    clockOffset = 11 * 60_000;
    const late = await slow.request('GET', stop2.location!);
    expect(late.status).to.equal(400);
    expect(late.text).to.contain('took longer than 10 minutes');
  });

  it('the provider refusing or the user cancelling gives a clear page', async () => {
    const browser = newBrowser();
    await browser.request('GET', `${tg.url}/sso/oidc/start`);
    const res = await browser.request('GET', `${tg.url}/sso/oidc/callback?error=access_denied&state=x`);
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('Signing in with Example ID was cancelled.');
  });

  it('sign-out from an OIDC session ends it here and sends the browser to the provider (RP-initiated logout), then back', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = await signedIn('u-ann');
    const idToken = JSON.parse((await sessions())[0]!.oidc_tokens_json!).idToken as string;
    const page = await browser.request('GET', `${tg.url}/sso/sign-out`);
    const out = await browser.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(page.text) });
    expect(out.status).to.equal(303);
    const endSession = new URL(out.location!);
    expect(endSession.origin).to.equal(op.issuer);
    expect(endSession.searchParams.get('id_token_hint')).to.equal(idToken);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).to.equal(`${tg.url}/sso/signed-out`);
    expect(endSession.searchParams.get('client_id')).to.equal(CLIENT_ID);
    expect(await sessions()).to.have.length(0);
    // At the provider: confirm, and land on the gateway's signed-out page.
    const confirm = await browser.go(out.location!);
    const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"/.exec(confirm.text)!;
    const done = await browser.go(new URL(form[1]!, op.issuer).href, { method: 'POST', form: { xsrf: form[2]!, logout: 'yes' } });
    expect(done.url).to.equal(`${tg.url}/sso/signed-out`);
    expect(done.text).to.contain('You are signed out');
  });

  it('back-channel logout from the real provider ends the session (signed out at the provider elsewhere)', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = await signedIn('u-ann');
    const cookie = browser.cookie(tg.url, 'pg_session')!;
    expect((await sessionInfo(browser, tg.url)).status).to.equal(200);
    op.backchannelResults.length = 0;
    await op.logoutAtProvider(browser);
    expect(op.backchannelResults).to.have.length(1);
    expect(op.backchannelResults[0]).to.include({ ok: true, clientId: CLIENT_ID });
    expect(await sessions()).to.have.length(0);
    const reuse = newBrowser();
    reuse.setCookie(tg.url, 'pg_session', cookie);
    expect((await sessionInfo(reuse, tg.url)).status).to.equal(401);
  });

  it('back-channel logout refuses forged or malformed logout tokens (400) and keeps the sessions', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = await signedIn('u-ann');
    const sid = (await sessions())[0]!.oidc_sid!;
    const post = async (token: string) => {
      const res = await fetch(`${tg.url}/sso/oidc/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });
      return { status: res.status, body: await res.text() };
    };
    const iat = Math.floor(Date.now() / 1000);
    const bad: Array<[string, Promise<string>]> = [
      ['wrong audience', op.mintLogoutToken({ aud: 'another-client', sid })],
      ['wrong issuer', op.mintLogoutToken({ aud: CLIENT_ID, sid, iss: 'http://127.0.0.1:1' })],
      ['signed by another key', op.mintLogoutToken({ aud: CLIENT_ID, sid }, { foreignKey: true })],
      ['contains a nonce', op.mintLogoutToken({ aud: CLIENT_ID, sid, nonce: 'n' })],
      ['no events claim', op.mintLogoutToken({ aud: CLIENT_ID, sid, events: undefined })],
      ['wrong event', op.mintLogoutToken({ aud: CLIENT_ID, sid, events: { 'http://example.com/other': {} } })],
      ['neither sid nor sub', op.mintLogoutToken({ aud: CLIENT_ID })],
      ['no iat', op.mintLogoutToken({ aud: CLIENT_ID, sid, iat: undefined })],
      ['too old', op.mintLogoutToken({ aud: CLIENT_ID, sid, iat: iat - 3600, exp: iat + 60 })],
      ['expired', op.mintLogoutToken({ aud: CLIENT_ID, sid, iat: iat - 200, exp: iat - 100 })],
      ['an ID token type', op.mintLogoutToken({ aud: CLIENT_ID, sid }, { typ: 'id_token+jwt' })],
      ['not a JWT', Promise.resolve('not.a.jwt')],
    ];
    for (const [name, token] of bad) {
      const res = await post(await token);
      expect(res.status, name).to.equal(400);
      expect(JSON.parse(res.body).error, name).to.equal('invalid_request');
    }
    expect(await sessions()).to.have.length(1);
    expect((await sessionInfo(browser, tg.url)).status).to.equal(200);
    // A valid token naming the subject only ends all of its sessions; no CSRF token or Origin is needed.
    const ok = await post(await op.mintLogoutToken({ aud: CLIENT_ID, sub: 'u-ann' }));
    expect(ok.status).to.equal(200);
    expect(await sessions()).to.have.length(0);
  });

  it('refreshes the tokens when the access token expires, and ends the session when the provider refuses', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = await signedIn('u-ann');
    const before = JSON.parse((await sessions())[0]!.oidc_tokens_json!);
    const probe = () => browser.request('GET', `${tg.url}/partner-center/api/probe`, undefined, { accept: 'application/json' });
    clockOffset = 2 * 3600_000; // past the access token's lifetime (1 hour)
    expect((await probe()).status).to.not.be.oneOf([401, 403]);
    const after = JSON.parse((await sessions())[0]!.oidc_tokens_json!);
    expect(after.accessExpiresAt).to.be.greaterThan(before.accessExpiresAt);
    expect(after.refreshingUntil).to.equal(undefined);

    op.revokeRefreshTokens();
    clockOffset = 4 * 3600_000;
    const refused = await probe();
    expect(refused.status).to.equal(401);
    expect(await sessions()).to.have.length(0);
  });

  it('situation 3: a sign-in started on the partner center host comes back to that host', async () => {
    const pc = await startTestGateway(ctx.store, { PARTNERGATE_OIDC_ISSUER: op.issuer, PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID, PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET, PARTNERGATE_PARTNER_CENTER_HOST: 'partners.example.test' });
    try {
      const onHost = await request(pc.url).get('/sso/oidc/start').set('Host', 'partners.example.test').redirects(0);
      expect(new URL(onHost.headers.location).searchParams.get('redirect_uri')).to.equal('http://partners.example.test/sso/oidc/callback');
      const onPublic = await request(pc.url).get('/sso/oidc/start').redirects(0);
      expect(new URL(onPublic.headers.location).searchParams.get('redirect_uri')).to.equal(`${pc.url}/sso/oidc/callback`);
    } finally {
      await pc.close();
    }
  });

  it('re-authentication through the provider asks it for a fresh login (prompt=login, max_age)', async () => {
    await seedPartner(ctx.store, { email: 'ann@example.test' });
    const browser = await signedIn('u-ann');
    await ctx.store.db.updateTable('sessions').set({ reauth_at: 1 }).execute();
    const confirm = await browser.request('GET', `${tg.url}/sso/confirm?rd=/partner-center/settings`);
    expect(confirm.text).to.contain('Confirm with Example ID');
    const start = await browser.request('GET', `${tg.url}/sso/oidc/start?reauth=1&rd=${encodeURIComponent('/partner-center/settings')}`);
    const auth = new URL(start.location!);
    expect(auth.searchParams.get('prompt')).to.equal('login');
    expect(auth.searchParams.get('max_age')).to.equal('60');
    const last = await op.login(browser, start.location!, 'u-ann');
    expect(callbackResponse(browser)!.location).to.equal(`${tg.url}/partner-center/settings`);
    void last;
    const s = (await sessions()).find((r) => r.reauth_at > 1);
    expect(s, 'a session with a fresh reauth_at').to.not.equal(undefined);
  });
});
