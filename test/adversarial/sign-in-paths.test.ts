/**
 * Every sign-in path obeys the same rules, and the WordPress hand-off is bound to the browser.
 * - second factor on every path: a hand-off or OpenID sign-in into an account with TOTP on (or with TOTP
 *   required) waits for the code like a password sign-in; the provider's MFA counts only by a trusted amr/acr;
 * - a hand-off session is not a fresh proof of identity: two-factor and PayPal changes ask for one first;
 * - login CSRF: a hand-off link opened in another browser than the one WordPress sent it to opens nothing
 *   (the proxy sets the binding cookie on WordPress's redirect, end to end through a stand-in WordPress);
 * - the first hand-off binds the account to its WordPress user id; another WordPress user is refused later.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { providerMfaSatisfied } from '../../src/auth/second-factor.js';
import { currentTotpCode } from '../../src/auth/totp.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { mintHandoffToken } from '../support/handoff.js';
import { CookieBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, handoffBindingFor, newBrowser, seedPartner, sessionInfo, signInWithForm } from '../auth/support/fixtures.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'sign-in paths';
const CSRF_CLASS = 'login CSRF (hand-off)';
const SECRET = 'adversarial-paths-wp-shim-secret-0123456789abcd';
const CLIENT_ID = 'partnergate-paths';
const CLIENT_SECRET = 'partnergate-paths-client-secret-0123456789';
const WP = 'http://wordpress.example.test';

/** Path and query of a Location, absolute or not. */
const pathOf = (location: string | null | undefined) => (location ? (({ pathname, search }) => pathname + search)(new URL(location, 'http://x.invalid')) : '');

/** A partner whose TOTP is on; returns the secret. */
async function enrolled(tg: TestGateway, email: string): Promise<string> {
  const b = newBrowser();
  await signInWithForm(b, tg.url, email);
  const page = await b.request('GET', `${tg.url}/sso/two-factor/setup`);
  const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.text)![1]!;
  const done = await b.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(secret) });
  expect(done.status).to.equal(200);
  return secret;
}

forEachStore('adversarial: sign-in paths', (ctx) => {
  let op: TestOidcProvider;
  let tg: TestGateway;
  let required: TestGateway;
  let wordpress: Server;
  /** What the stand-in WordPress answers to a login: a hand-off for this email and user id. */
  let login: { email: string; sub: string } = { email: '', sub: '1' };
  let forwardedCookies: string[] = [];

  before(async () => {
    op = await startOidcProvider();
    wordpress = createServer((req, res) => {
      forwardedCookies.push(req.headers.cookie ?? '');
      if (req.url === '/wp-login.php') {
        // The gateway passes the browser's Host through: the hand-off goes back to the gateway it came by.
        const gateway = `http://${req.headers.host}`;
        const token = mintHandoffToken(SECRET, { iss: WP, aud: gateway, sub: login.sub, email: login.email });
        res.writeHead(302, { location: `${gateway}/sso/wordpress?token=${token}`, 'set-cookie': 'wordpress_logged_in=1; path=/' }).end();
      } else if (req.url === '/elsewhere') {
        res.writeHead(302, { location: '/wp-admin/' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('wordpress');
      }
    });
    await new Promise<void>((r) => wordpress.listen(0, '127.0.0.1', r));
    const upstream = `http://127.0.0.1:${(wordpress.address() as AddressInfo).port}`;
    const env = { PARTNERGATE_WP_SHIM_SECRET: SECRET, PARTNERGATE_UPSTREAM_URL: upstream, PARTNERGATE_OIDC_ISSUER: op.issuer, PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID, PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET };
    tg = await startTestGateway(ctx.store, env);
    required = await startTestGateway(ctx.store, { ...env, PARTNERGATE_TOTP_REQUIRED: 'true' });
    for (const g of [tg, required]) op.registerClient({ clientId: g === tg ? CLIENT_ID : `${CLIENT_ID}-req`, clientSecret: CLIENT_SECRET, redirectUri: `${g.url}/sso/oidc/callback` });
    (required.config as { oidcClientId?: string }).oidcClientId = `${CLIENT_ID}-req`;
    op.addUser({ sub: 'u-totp', email: 'totp@example.test' });
    op.addUser({ sub: 'u-plain', email: 'plain@example.test' });
  });
  after(async () => {
    await tg?.close();
    await required?.close();
    await op?.close();
    await new Promise((r) => wordpress?.close(r));
  });
  beforeEach(async () => {
    forwardedCookies = [];
    await clearTables(ctx.store);
  });

  /** A browser signs in to WordPress through the gateway's proxy; returns the hand-off link WordPress gave it. */
  async function wordpressLogin(browser: CookieBrowser, email: string, sub = '42', g = tg): Promise<string> {
    login = { email, sub };
    const res = await browser.request('POST', `${g.url}/wp-login.php`, { log: email, pwd: 'x' });
    expect(res.status).to.equal(302);
    return res.location!;
  }

  const pendingAfter = async (browser: CookieBrowser, g: TestGateway) => (await sessionInfo(browser, g.url)).body.twoFactorPending === true;

  it('hand-off and OpenID sign-ins ask for the TOTP code when the account has it on, or when it is required', async () => {
    await seedPartner(ctx.store, { email: 'totp@example.test' });
    await seedPartner(ctx.store, { email: 'plain@example.test' });
    await enrolled(tg, 'totp@example.test');
    const results: CaseResult[] = [];

    const wpBrowser = newBrowser();
    const handed = await wpBrowser.request('GET', await wordpressLogin(wpBrowser, 'totp@example.test'));
    const wpCenter = await wpBrowser.request('GET', `${tg.url}/partner-center/`);
    results.push({ name: 'hand-off, TOTP on: sent to the code', held: /^\/sso\/two-factor\?/.test(pathOf(handed.location)), why: `${handed.status} ${handed.location}` });
    results.push({ name: 'hand-off, TOTP on: session pending', held: await pendingAfter(wpBrowser, tg) });
    results.push({ name: 'hand-off, TOTP on: partner center closed', held: wpCenter.status === 303 && /two-factor/.test(wpCenter.location ?? ''), why: `${wpCenter.status}` });

    const oidcBrowser = newBrowser();
    const back = await op.login(oidcBrowser, `${tg.url}/sso/oidc/start`, 'u-totp');
    results.push({ name: 'OIDC, TOTP on: sent to the code', held: /\/sso\/two-factor(\?|$)/.test(back.url), why: back.url });
    results.push({ name: 'OIDC, TOTP on: session pending', held: await pendingAfter(oidcBrowser, tg) });

    const reqWp = newBrowser();
    const reqHanded = await reqWp.request('GET', await wordpressLogin(reqWp, 'plain@example.test', '43', required));
    results.push({ name: 'hand-off, TOTP required: sent to enrolment', held: /^\/sso\/two-factor\/setup\?/.test(pathOf(reqHanded.location)), why: `${reqHanded.status} ${reqHanded.location}` });
    results.push({ name: 'hand-off, TOTP required: session pending', held: await pendingAfter(reqWp, required) });
    const reqOidc = newBrowser();
    const reqBack = await op.login(reqOidc, `${required.url}/sso/oidc/start`, 'u-plain');
    results.push({ name: 'OIDC, TOTP required: sent to enrolment', held: /\/sso\/two-factor\/setup/.test(reqBack.url), why: reqBack.url });
    results.push({ name: 'OIDC, TOTP required: session pending', held: await pendingAfter(reqOidc, required) });

    // Positive control: without TOTP, both paths sign straight in.
    const plain = newBrowser();
    const plainBack = await op.login(plain, `${tg.url}/sso/oidc/start`, 'u-plain');
    results.push({ name: 'OIDC, no TOTP: signed in', held: (await sessionInfo(plain, tg.url)).body.twoFactorPending === false, why: plainBack.url });
    expectAllHeld(CLASS, results);
  });

  it('the provider\'s MFA replaces the TOTP code only by an amr/acr value the deployer listed', () => {
    const cases: Array<[string, string[], { amr?: unknown; acr?: unknown }, boolean]> = [
      ['nothing trusted, amr mfa', [], { amr: ['mfa'] }, false],
      ['amr:mfa trusted, amr mfa', ['amr:mfa'], { amr: ['pwd', 'mfa'] }, true],
      ['amr:mfa trusted, amr pwd', ['amr:mfa'], { amr: ['pwd'] }, false],
      ['amr:mfa trusted, amr as a string', ['amr:mfa'], { amr: 'mfa' }, false],
      ['amr:mfa trusted, acr mfa', ['amr:mfa'], { acr: 'mfa' }, false],
      ['acr trusted, acr equal', ['acr:urn:mfa'], { acr: 'urn:mfa' }, true],
      ['acr trusted, acr prefix', ['acr:urn:mfa'], { acr: 'urn:mfa:weak' }, false],
      ['acr trusted, no claims', ['acr:urn:mfa'], {}, false],
    ];
    expectAllHeld(CLASS, cases.map(([name, trusted, claims, expected]) => ({ name: `provider MFA: ${name}`, held: providerMfaSatisfied(trusted, claims) === expected })));
  });

  it('a hand-off session is not fresh enough to change two-factor or PayPal settings', async () => {
    await seedPartner(ctx.store, { email: 'fresh@example.test' });
    const browser = newBrowser();
    await browser.request('GET', await wordpressLogin(browser, 'fresh@example.test'));
    const setup = await browser.request('GET', `${tg.url}/sso/two-factor/setup`);
    const token = csrfIn((await browser.request('GET', `${tg.url}/sso/password`)).text);
    const post = await browser.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: token, code: '123456' });
    const paypal = await browser.request('POST', `${tg.url}/partner-center/settings/paypal`, { _csrf: token, paypal_email: 'thief@example.test' });
    const account = await ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', 'fresh@example.test').executeTakeFirstOrThrow();
    expectAllHeld(CLASS, [
      { name: 'hand-off session: enrolment page asks to confirm first', held: setup.status === 303 && pathOf(setup.location).startsWith('/sso/confirm'), why: `${setup.status} ${setup.location}` },
      { name: 'hand-off session: enrolment post refused', held: post.status === 403 && account.totp_secret === null, why: `${post.status}` },
      { name: 'hand-off session: PayPal change without a password refused', held: paypal.status === 400 || paypal.status === 403 || (paypal.status === 303 && !/paypal-sent/.test(pathOf(paypal.location))), why: `${paypal.status} ${paypal.location}` },
    ]);
  });

  it('login CSRF: a hand-off link opened in another browser opens nothing; in the browser WordPress sent it to, it works', async () => {
    await seedPartner(ctx.store, { email: 'victim@example.test' });
    await seedPartner(ctx.store, { email: 'sender@example.test' });
    const results: CaseResult[] = [];
    const sessions = async () => Number((await ctx.store.db.selectFrom('sessions').select(ctx.store.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    // The attacker signs in to WordPress, keeps the link, and gets it opened by the victim.
    const sender = newBrowser();
    const link = await wordpressLogin(sender, 'sender@example.test', '7');
    const victim = newBrowser();
    const opened = await victim.request('GET', link);
    results.push({ name: 'link in another browser: refused with a page', held: opened.status === 400 && /different|not this one|browser/i.test(opened.text), why: `${opened.status}` });
    results.push({ name: 'link in another browser: no session', held: (await sessions()) === 0 && victim.cookie(tg.url, 'pg_session') === undefined });

    // The attacker's own binding cookie, planted for another token, does not fit this one.
    const link2 = await wordpressLogin(sender, 'sender@example.test', '7');
    const other = newBrowser();
    other.setCookie(tg.url, 'pg_handoff', handoffBindingFor(SECRET, mintHandoffToken(SECRET, { iss: WP, aud: tg.url, sub: '7', email: 'sender@example.test' }))!);
    const planted = await other.request('GET', link2);
    results.push({ name: 'binding cookie of another token: refused', held: planted.status === 400 && (await sessions()) === 0, why: `${planted.status}` });

    // The proxy: the cookie is set on WordPress's redirect only, HttpOnly and Lax, and never forwarded to WordPress.
    const own = newBrowser();
    const res = await own.request('POST', `${tg.url}/wp-login.php`, { log: 'victim', pwd: 'x' });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('pg_handoff='));
    results.push({ name: 'proxy: binding cookie set on the hand-off redirect', held: setCookie !== undefined && /HttpOnly/i.test(setCookie) && /SameSite=Lax/i.test(setCookie), why: res.headers.getSetCookie().join(' | ') });
    results.push({ name: 'proxy: WordPress\'s own cookie still passes', held: res.headers.getSetCookie().some((c) => c.startsWith('wordpress_logged_in=')) });
    const elsewhere = await own.request('GET', `${tg.url}/elsewhere`);
    results.push({ name: 'proxy: no binding cookie on other redirects', held: !elsewhere.headers.getSetCookie().some((c) => c.startsWith('pg_handoff=')) });
    await own.request('GET', `${tg.url}/any-page`);
    results.push({ name: 'proxy: binding cookie not forwarded to WordPress', held: forwardedCookies.every((c) => !c.includes('pg_handoff')), why: forwardedCookies.join(' | ') });

    // Positive control: the browser that signed in to WordPress is signed in to the partner center.
    login = { email: 'victim@example.test', sub: '8' };
    const own2 = newBrowser();
    const link3 = (await own2.request('POST', `${tg.url}/wp-login.php`, { log: 'victim', pwd: 'x' })).location!;
    const ok = await own2.request('GET', link3);
    const info = await sessionInfo(own2, tg.url);
    results.push({ name: 'same browser: signed in', held: ok.status === 303 && info.status === 200 && info.body.authMethod === 'wordpress', why: `${ok.status} ${JSON.stringify(info.body)}` });
    results.push({ name: 'same browser: binding cookie cleared after use', held: own2.cookie(tg.url, 'pg_handoff') === undefined });
    expectAllHeld(CSRF_CLASS, results);
  });

  it('the first hand-off binds the account to its WordPress user; another WordPress user with the email is refused', async () => {
    await seedPartner(ctx.store, { email: 'bound@example.test' });
    const first = newBrowser();
    const a = await first.request('GET', await wordpressLogin(first, 'bound@example.test', '100'));
    const again = newBrowser();
    const b = await again.request('GET', await wordpressLogin(again, 'bound@example.test', '100'));
    const intruder = newBrowser();
    const c = await intruder.request('GET', await wordpressLogin(intruder, 'bound@example.test', '666'));
    const account = await ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', 'bound@example.test').executeTakeFirstOrThrow();
    expectAllHeld(CSRF_CLASS, [
      { name: 'wp user binding: first hand-off signs in', held: a.status === 303, why: `${a.status}` },
      { name: 'wp user binding: same WordPress user again', held: b.status === 303, why: `${b.status}` },
      { name: 'wp user binding: another WordPress user refused', held: c.status === 403 && intruder.cookie(tg.url, 'pg_session') === undefined, why: `${c.status}` },
      { name: 'wp user binding: recorded', held: account.wp_user_id === '100', why: String(account.wp_user_id) },
    ]);
  });
});
