/**
 * Open redirects end to end: the published bypass strings for `rd` (test/auth/fixtures/redirect-attacks.txt plus
 * look-alikes of the gateway's own origin, ~120) at every place the gateway follows one. All of them at the
 * password sign-in form, the sign-in and two-factor pages when already signed in, the WordPress hand-off (`rd`
 * claim and `?rd=`) and sign-out (which must ignore any `rd`/`redirect_to`); a representative subset where each
 * try is costly or repeats the same rule (re-authentication, password change, and a quarter plus the subset at the
 * OpenID Connect callback, whose return path is bound to `state`). Each answer must keep the browser on the
 * gateway's origin, read the WHATWG way as a browser does; positive controls prove a legitimate `rd` is followed.
 */
import argon2 from 'argon2';
import { expect } from 'chai';
import { mintHandoffToken } from '../support/handoff.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { csrfIn, handoffCookieHeader, PASSWORD, seedPartner } from '../auth/support/fixtures.js';
import { ALLOWED_REDIRECT_HOSTS, caseName, expectAllHeld, fixtureRedirectAttacks, mapLimit, safeLocation, selfRedirectAttacks, type CaseResult } from './support.js';

const CLASS = 'open redirect';
const SECRET = 'adversarial-suite-wp-shim-secret-0123456789';
const CLIENT_ID = 'partnergate-adversarial';
const CLIENT_SECRET = 'partnergate-adversarial-client-secret-0123';
const EMAIL = 'redirect.target@example.test';
/** A representative subset, where each try is costly (password change re-hashes at full argon2 cost) or redundant. */
const SUBSET = ['//evil.com', '/\\evil.com', '/%09/evil.com', '/ /evil.com', '/./\\evil.com', 'http://foo.bar.evil.corp', 'https://www.example.com:8080/', 'https://badexample.com/', 'https://www.example.com@evil.com/', 'javascript:alert(1)', '/.//evil.com', 'https://shop.example.com.evil.com/'];

describe('adversarial: open redirect', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let op: TestOidcProvider;
  let tg: TestGateway;
  let attacks: string[];

  before(async () => {
    ts = await createTestStore('sqlite');
    op = await startOidcProvider();
    tg = await startTestGateway(ts.store, {
      PARTNERGATE_WP_SHIM_SECRET: SECRET,
      PARTNERGATE_REDIRECT_ALLOWED_HOSTS: ALLOWED_REDIRECT_HOSTS,
      PARTNERGATE_OIDC_ISSUER: op.issuer,
      PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID,
      PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      // Not what this file is about: hundreds of successful sign-ins from one address.
      PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '1000',
      PARTNERGATE_LOGIN_MAX_PER_IP: '100000',
    });
    op.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${tg.url}/sso/oidc/callback` });
    op.addUser({ sub: 'u-target', email: EMAIL });
    const partner = await seedPartner(ts.store, { email: EMAIL, password: null });
    // argon2 reads its cost from the hash: a cheap one keeps hundreds of real sign-ins fast (what is tested is rd).
    const cheap = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await ts.store.db.updateTable('accounts').set({ password_hash: cheap }).where('id', '=', partner.accountId!).execute();
    attacks = [...new Set([...fixtureRedirectAttacks(), ...selfRedirectAttacks(tg.url)])];
    expect(attacks.length).to.be.greaterThan(110);
  });
  after(async () => {
    await tg?.close();
    await op?.close();
    await ts?.dispose();
  });

  const judge = (name: string, status: number, location: string | null | undefined): CaseResult => {
    if (status !== 302 && status !== 303) return { name, held: status >= 400 && status < 500, why: `status ${status}` };
    return { name, ...safeLocation(location, tg.url) };
  };

  /** The form token and cookies of a fresh browser that opened the sign-in page. */
  async function browserAtSignIn(): Promise<{ browser: CookieBrowser; token: string }> {
    const browser = new CookieBrowser();
    const page = await browser.request('GET', `${tg.url}/sso/sign-in`);
    return { browser, token: csrfIn(page.text) };
  }

  async function signInWith(rd: string, rdField = 'rd'): Promise<{ status: number; location: string | null }> {
    const { browser, token } = await browserAtSignIn();
    const res = await browser.request('POST', `${tg.url}/sso/sign-in`, { _csrf: token, email: EMAIL, password: PASSWORD, [rdField]: rd });
    return { status: res.status, location: res.headers.get('location') };
  }

  const signedInBrowser = async () => {
    const s = await signInAs(tg, (await ts.store.db.selectFrom('accounts').select('partner_id').where('email', '=', EMAIL).executeTakeFirstOrThrow()).partner_id!);
    const browser = new CookieBrowser();
    browser.setCookie(tg.url, 'pg_session', s.cookieValue);
    return { browser, csrf: s.csrfToken };
  };

  it('positive controls: a same-origin rd and an allowed host are followed (the cases below are not vacuous)', async () => {
    const local = await signInWith('/partner-center/reports?from=2026-01-01');
    expect(local.location).to.equal('/partner-center/reports?from=2026-01-01');
    const allowed = await signInWith('https://shop.example.com/welcome');
    expect(allowed.location).to.equal('https://shop.example.com/welcome');
    const { browser } = await signedInBrowser();
    const again = await browser.request('GET', `${tg.url}/sso/sign-in?rd=${encodeURIComponent('/partner-center/links')}`);
    expect(again.headers.get('location')).to.equal('/partner-center/links');
  });

  it('password sign-in (POST /sso/sign-in, rd): every bypass string stays on the gateway', async () => {
    const results = await mapLimit(attacks, 4, async (rd) => {
      const r = await signInWith(rd);
      return judge(caseName('sign-in rd', rd), r.status, r.location);
    });
    expectAllHeld(CLASS, results);
  });

  it('password sign-in ignores redirect_to / return_to / next fields', async () => {
    const results: CaseResult[] = [];
    for (const field of ['redirect_to', 'return_to', 'next', 'url', 'redirect']) {
      const r = await signInWith('https://evil.com/', field);
      results.push(judge(`sign-in ${field}=https://evil.com/`, r.status, r.location));
      expect(r.location).to.equal('/partner-center/');
    }
    expectAllHeld(CLASS, results);
  });

  it('already signed in (GET /sso/sign-in?rd=) and the two-factor page (GET /sso/two-factor?rd=)', async () => {
    const { browser } = await signedInBrowser();
    const results = await mapLimit(attacks, 8, async (rd) => {
      const a = await browser.request('GET', `${tg.url}/sso/sign-in?rd=${encodeURIComponent(rd)}`);
      const b = await browser.request('GET', `${tg.url}/sso/two-factor?rd=${encodeURIComponent(rd)}`);
      return [judge(caseName('signed-in sign-in page rd', rd), a.status, a.headers.get('location')), judge(caseName('two-factor page rd', rd), b.status, b.headers.get('location'))];
    });
    expectAllHeld(CLASS, results.flat());
  });

  it('re-authentication (POST /sso/confirm) and password change (POST /sso/password) with rd', async () => {
    const results: CaseResult[] = [];
    const confirmed = await mapLimit(SUBSET, 4, async (rd) => {
      const { browser, csrf } = await signedInBrowser();
      const confirm = await browser.request('POST', `${tg.url}/sso/confirm`, { _csrf: csrf, password: PASSWORD, rd });
      return judge(caseName('confirm rd', rd), confirm.status, confirm.headers.get('location'));
    });
    results.push(...confirmed);
    // Password change: change to a new password and back, each with an attack rd.
    let current = PASSWORD;
    for (const rd of SUBSET.slice(0, 4)) {
      const { browser, csrf } = await signedInBrowser();
      const next = current === PASSWORD ? `${PASSWORD} 2` : PASSWORD;
      const change = await browser.request('POST', `${tg.url}/sso/password`, { _csrf: csrf, current_password: current, new_password: next, new_password_confirm: next, rd });
      current = next;
      results.push(judge(caseName('password change rd', rd), change.status, change.headers.get('location')));
    }
    // Back to the cheap hash of PASSWORD for the tests after this one.
    const cheap = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await ts.store.db.updateTable('accounts').set({ password_hash: cheap }).where('email', '=', EMAIL).execute();
    expectAllHeld(CLASS, results);
  });

  it('WordPress hand-off: the rd claim of a validly signed token, and ?rd= on the hand-off link', async () => {
    const aud = new URL(tg.config.publicUrl).origin;
    const mint = (rd?: string) => mintHandoffToken(SECRET, { iss: 'http://wordpress.example.test', aud, sub: '7', email: EMAIL, rd });
    // Positive control: a same-origin claim is followed.
    // Each link comes back to the browser WordPress sent it to (the binding cookie the proxy sets).
    const open = (token: string, query = '') => fetch(`${tg.url}/sso/wordpress?token=${token}${query}`, { redirect: 'manual', headers: { cookie: handoffCookieHeader(SECRET, token) } });
    const ok = await open(mint('/partner-center/earnings'));
    expect(ok.headers.get('location')).to.equal('/partner-center/earnings');
    const results = await mapLimit(attacks, 8, async (rd) => {
      const claim = await open(mint(rd));
      const query = await open(mint('/partner-center/'), `&rd=${encodeURIComponent(rd)}`);
      await claim.arrayBuffer();
      await query.arrayBuffer();
      return [judge(caseName('hand-off rd claim', rd), claim.status, claim.headers.get('location')), judge(caseName('hand-off ?rd=', rd), query.status, query.headers.get('location'))];
    });
    expectAllHeld(CLASS, results.flat());
  });

  it('OpenID Connect: the rd bound to state at /sso/oidc/start, and an rd added to the callback URL, stay on the gateway', async () => {
    // One provider login per browser; later flows in the same browser ride on the provider's session.
    const pool: CookieBrowser[] = [];
    const viaProvider = async (rd: string, extraOnCallback = '') => {
      const browser = pool.pop() ?? new CookieBrowser();
      try {
        const start = await browser.request('GET', `${tg.url}/sso/oidc/start?rd=${encodeURIComponent(rd)}`);
        let back = await browser.go(start.location!, { stopAt: (u) => u.origin !== op.issuer });
        if (back.status === 200) back = await op.login(browser, start.location!, 'u-target', { stopBeforeLeaving: true });
        if (!back.location?.startsWith(`${tg.url}/sso/oidc/callback?`)) throw new Error(`the provider did not send the browser back: ${back.status} ${back.location}`);
        const cb = await browser.request('GET', `${back.location}${extraOnCallback}`);
        return { status: cb.status, location: cb.headers.get('location') };
      } finally {
        pool.push(browser);
      }
    };
    const control = await viaProvider('/partner-center/reports');
    expect(control.location).to.equal('/partner-center/reports');
    // Each provider round trip costs ~0.1 s of CPU here; every other string already went through the same rule
    // at the entry points above, so a quarter of them plus the subset (each shape represented) is enough.
    const oidcAttacks = [...new Set([...SUBSET, ...attacks.filter((_a, i) => i % 4 === 0)])];
    const results = await mapLimit(oidcAttacks, 6, async (rd) => {
      const bound = await viaProvider(rd);
      return judge(caseName('oidc state-bound rd', rd), bound.status, bound.location);
    });
    for (const rd of SUBSET) {
      const added = await viaProvider('/partner-center/', `&rd=${encodeURIComponent(rd)}&redirect_uri=${encodeURIComponent(rd)}`);
      results.push(judge(caseName('oidc callback ?rd=', rd), added.status, added.location));
      expect(added.location).to.equal('/partner-center/');
    }
    expectAllHeld(CLASS, results);
  });

  it('sign-out ignores rd / redirect_to in the query and the form: always the signed-out page', async () => {
    const results = await mapLimit(attacks, 8, async (rd) => {
      const { browser, csrf } = await signedInBrowser();
      const enc = encodeURIComponent(rd);
      const res = await browser.request('POST', `${tg.url}/sso/sign-out?rd=${enc}&redirect_to=${enc}`, { _csrf: csrf, rd, redirect_to: rd });
      const location = res.headers.get('location');
      const r = judge(caseName('sign-out rd', rd), res.status, location);
      return { ...r, held: r.held && location === '/sso/signed-out', why: `${r.why}; Location ${location}` };
    });
    expectAllHeld(CLASS, results);
  });
});
