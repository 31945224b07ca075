/**
 * Sessions under attack: fixation (a planted cookie, even the attacker's own live session, at every way of
 * signing in: password, OpenID Connect, WordPress hand-off, second factor), reuse of a cookie after sign-out,
 * after a password change or reset, after a back-channel logout from the real OpenID Provider, after the account
 * is disabled, after the idle and absolute lifetimes, and tampered cookies; on https the cookies carry the __Host- prefix. A dead cookie must be dead
 * everywhere: /sso/session, partner pages, report JSON, and the proxy (no identity assertion reaches WordPress).
 */
import argon2 from 'argon2';
import { expect } from 'chai';
import { mintHandoffToken } from '../support/handoff.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream, type EchoedRequest } from '../proxy/fake-upstream.js';
import { csrfIn, handoffCookieHeader, PASSWORD, seedPartner, signInWithForm } from '../auth/support/fixtures.js';
import { issueToken } from '../../src/accounts/index.js';
import { loadConfig } from '../../src/config/index.js';
import { cookieNames } from '../../src/http/cookies.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'session';
const SECRET = 'adversarial-session-wp-shim-secret-0123456789';
const CLIENT_ID = 'partnergate-session-suite';
const CLIENT_SECRET = 'partnergate-session-suite-client-secret';
const HOUR = 3_600_000;

describe('adversarial: session fixation and reuse', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let op: TestOidcProvider;
  let upstream: FakeUpstream;
  let tg: TestGateway;
  const emails = { pw: 'session.pw@example.test', oidc: 'session.oidc@example.test', other: 'session.other@example.test' };
  const ids: Record<string, { partnerId: number; accountId: number }> = {};

  before(async () => {
    ts = await createTestStore('sqlite');
    op = await startOidcProvider();
    upstream = await startFakeUpstream();
    tg = await startTestGateway(ts.store, {
      PARTNERGATE_UPSTREAM_URL: upstream.url,
      PARTNERGATE_WP_SHIM_SECRET: SECRET,
      PARTNERGATE_OIDC_ISSUER: op.issuer,
      PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID,
      PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '1000',
      PARTNERGATE_LOGIN_MAX_PER_IP: '100000',
    });
    op.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${tg.url}/sso/oidc/callback`, postLogoutRedirectUri: `${tg.url}/sso/signed-out`, backchannelLogoutUri: `${tg.url}/sso/oidc/backchannel-logout` });
    op.addUser({ sub: 'u-session', email: emails.oidc });
    const cheap = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    for (const [k, email] of Object.entries(emails)) {
      const p = await seedPartner(ts.store, { email, password: null });
      await ts.store.db.updateTable('accounts').set({ password_hash: cheap }).where('id', '=', p.accountId!).execute();
      ids[k] = { partnerId: p.partnerId, accountId: p.accountId! };
    }
  });
  after(async () => {
    await tg?.close();
    await upstream?.close();
    await op?.close();
    await ts?.dispose();
  });

  /** Whether a session cookie opens anything: own JSON, a partner page, report JSON, an identity to WordPress. */
  async function liveAnywhere(cookieValue: string): Promise<string[]> {
    const cookie = `pg_session=${cookieValue}`;
    const alive: string[] = [];
    const session = await fetch(`${tg.url}/sso/session`, { headers: { cookie } });
    if (session.status !== 401) alive.push(`/sso/session ${session.status}`);
    const page = await fetch(`${tg.url}/partner-center/`, { headers: { cookie }, redirect: 'manual' });
    if (page.status !== 303 || !page.headers.get('location')?.startsWith('/sso/sign-in')) alive.push(`/partner-center/ ${page.status}`);
    const json = await fetch(`${tg.url}/partner-center/api/reports/commissions`, { headers: { cookie } });
    if (json.status !== 401) alive.push(`report JSON ${json.status}`);
    const proxied = (await (await fetch(`${tg.url}/echo`, { headers: { cookie } })).json()) as EchoedRequest;
    if (Object.keys(proxied.headers).some((h) => h.startsWith('x-partnergate'))) alive.push('identity assertion sent to WordPress');
    return alive;
  }
  const dead = async (name: string, cookieValue: string | undefined): Promise<CaseResult> => {
    if (!cookieValue) return { name, held: false, why: 'no cookie to test' };
    const alive = await liveAnywhere(cookieValue);
    return { name, held: alive.length === 0, why: `still works: ${alive.join(', ')}` };
  };
  const aliveAs = async (cookieValue: string | undefined, accountId: number) => {
    const r = await fetch(`${tg.url}/sso/session`, { headers: { cookie: `pg_session=${cookieValue}` } });
    return r.status === 200 && ((await r.json()) as { accountId: number }).accountId === accountId;
  };
  const passwordBrowser = async (email = emails.pw) => {
    const b = new CookieBrowser();
    const res = await signInWithForm(b, tg.url, email);
    expect(res.status).to.equal(303);
    return b;
  };
  const oidcBrowser = async () => {
    const b = new CookieBrowser();
    await op.login(b, `${tg.url}/sso/oidc/start`, 'u-session');
    expect(await aliveAs(b.cookie(tg.url, 'pg_session'), ids.oidc!.accountId)).to.equal(true);
    return b;
  };

  it('positive control: a live cookie works everywhere (so "dead" below means something)', async () => {
    const b = await passwordBrowser();
    const alive = await liveAnywhere(b.cookie(tg.url, 'pg_session')!);
    expect(alive).to.have.length(4);
    expect(alive).to.include('identity assertion sent to WordPress');
  });

  it('fixation: a planted cookie (chosen value, or the attacker\'s own live session) never becomes the victim\'s session', async () => {
    const results: CaseResult[] = [];
    const attacker = await signInAs(tg, ids.other!.partnerId);
    const planted = ['attacker-chosen-value-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', attacker.cookieValue];
    for (const value of planted) {
      const label = value === attacker.cookieValue ? "attacker's live session" : 'chosen value';
      // Password sign-in.
      const pw = new CookieBrowser();
      pw.setCookie(tg.url, 'pg_session', value);
      if (value === attacker.cookieValue) {
        // The sign-in page redirects a signed-in browser; the form posted with that session's token is the attack.
        await pw.request('POST', `${tg.url}/sso/sign-in`, { _csrf: attacker.csrfToken, email: emails.pw, password: PASSWORD });
      } else {
        await signInWithForm(pw, tg.url, emails.pw);
      }
      const pwCookie = pw.cookie(tg.url, 'pg_session');
      results.push({ name: `password sign-in over a ${label}`, held: pwCookie !== value && (await aliveAs(pwCookie, ids.pw!.accountId)) && !(await aliveAs(value, ids.pw!.accountId)), why: 'same id kept or planted id signed in' });
      // OpenID Connect.
      const oidc = new CookieBrowser();
      oidc.setCookie(tg.url, 'pg_session', value);
      await op.login(oidc, `${tg.url}/sso/oidc/start`, 'u-session');
      const oidcCookie = oidc.cookie(tg.url, 'pg_session');
      results.push({ name: `OIDC sign-in over a ${label}`, held: oidcCookie !== value && (await aliveAs(oidcCookie, ids.oidc!.accountId)) && !(await aliveAs(value, ids.oidc!.accountId)), why: 'same id kept' });
      // WordPress hand-off.
      const token = mintHandoffToken(SECRET, { iss: 'http://wp.example.test', aud: new URL(tg.config.publicUrl).origin, sub: '5', email: emails.pw });
      const handoff = await fetch(`${tg.url}/sso/wordpress?token=${token}`, { redirect: 'manual', headers: { cookie: handoffCookieHeader(SECRET, token, `pg_session=${value}`) } });
      const handoffCookie = /pg_session=([^;]+)/.exec(handoff.headers.getSetCookie().join('\n'))?.[1];
      results.push({ name: `hand-off over a ${label}`, held: handoffCookie !== undefined && handoffCookie !== value && (await aliveAs(handoffCookie, ids.pw!.accountId)) && !(await aliveAs(value, ids.pw!.accountId)), why: `status ${handoff.status}` });
      if (value === attacker.cookieValue) {
        // The attacker's own session was replaced by the victim's sign-in: it is gone, not upgraded.
        results.push(await dead("the attacker's planted session after the victim signed in over it", value));
      }
    }
    expectAllHeld(CLASS, results);
  });

  it('fixation: passing the second factor gives a new id; the half-signed-in id is dead', async () => {
    const { TOTP, Secret } = await import('otpauth');
    const secret = new Secret({ size: 20 });
    await ts.store.db.updateTable('accounts').set({ totp_secret: secret.base32, totp_enabled: 1 }).where('id', '=', ids.other!.accountId).execute();
    try {
      const b = new CookieBrowser();
      const res = await signInWithForm(b, tg.url, emails.other);
      expect(res.location).to.match(/\/sso\/two-factor/);
      const pending = b.cookie(tg.url, 'pg_session')!;
      const page = await b.request('GET', `${tg.url}/sso/two-factor`);
      const code = new TOTP({ secret, digits: 6, period: 30 }).generate();
      const done = await b.request('POST', `${tg.url}/sso/two-factor`, { _csrf: csrfIn(page.text), code });
      const full = b.cookie(tg.url, 'pg_session');
      expectAllHeld(CLASS, [
        { name: 'second factor: new id', held: done.status === 303 && full !== pending && (await aliveAs(full, ids.other!.accountId)), why: `status ${done.status}` },
        await dead('second factor: the pending id', pending),
      ]);
    } finally {
      await ts.store.db.updateTable('accounts').set({ totp_secret: null, totp_enabled: 0, totp_recovery_json: null }).where('id', '=', ids.other!.accountId).execute();
    }
  });

  it('reuse after sign-out (password and OIDC sessions), and after RP-initiated sign-out', async () => {
    const results: CaseResult[] = [];
    for (const kind of ['password', 'oidc'] as const) {
      const b = kind === 'password' ? await passwordBrowser() : await oidcBrowser();
      const cookie = b.cookie(tg.url, 'pg_session')!;
      const form = await b.request('GET', `${tg.url}/sso/sign-out`);
      const out = await b.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(form.text) });
      expect(out.status).to.equal(303);
      results.push(await dead(`${kind} session after sign-out`, cookie));
    }
    expectAllHeld(CLASS, results);
  });

  it('reuse after a password change (other browsers and the old id of the changing one) and after a reset link', async () => {
    const results: CaseResult[] = [];
    const changer = await passwordBrowser();
    const elsewhere = await passwordBrowser();
    const oldId = changer.cookie(tg.url, 'pg_session')!;
    const otherId = elsewhere.cookie(tg.url, 'pg_session')!;
    const form = await changer.request('GET', `${tg.url}/sso/password`);
    const changed = await changer.request('POST', `${tg.url}/sso/password`, { _csrf: csrfIn(form.text), current_password: PASSWORD, new_password: `${PASSWORD} changed`, new_password_confirm: `${PASSWORD} changed` });
    expect(changed.status).to.equal(303);
    results.push(await dead('password change: another browser of the account', otherId));
    results.push(await dead('password change: the old id of the changing browser', oldId));
    results.push({ name: 'password change: the changing browser keeps a new session', held: await aliveAs(changer.cookie(tg.url, 'pg_session'), ids.pw!.accountId), why: 'signed out' });
    // A reset link ends every session, including the one that was just opened.
    const survivor = changer.cookie(tg.url, 'pg_session')!;
    const reset = await issueToken(ts.store.db, { purpose: 'reset_password', accountId: ids.pw!.accountId, ttlMs: HOUR, now: Date.now() });
    const b = new CookieBrowser();
    const page = await b.request('GET', `${tg.url}/sso/reset?token=${reset.raw}`);
    const done = await b.request('POST', `${tg.url}/sso/reset`, { _csrf: csrfIn(page.text), token: reset.raw, new_password: PASSWORD, new_password_confirm: PASSWORD });
    expect(done.status).to.equal(303);
    results.push(await dead('password reset link: every session of the account', survivor));
    // Restore the cheap hash for later tests.
    const cheap = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await ts.store.db.updateTable('accounts').set({ password_hash: cheap }).where('id', '=', ids.pw!.accountId).execute();
    expectAllHeld(CLASS, results);
  });

  it('reuse after back-channel logout from the real OpenID Provider (by sid) and by a sub-only logout token', async () => {
    const results: CaseResult[] = [];
    const b = await oidcBrowser();
    const cookie = b.cookie(tg.url, 'pg_session')!;
    op.backchannelResults.length = 0;
    await op.logoutAtProvider(b);
    expect(op.backchannelResults.map((r) => r.ok)).to.deep.equal([true]);
    results.push(await dead('after the provider signed the user out (back-channel, sid)', cookie));
    // Two browsers signed in through the provider; a logout token naming only the subject ends both.
    const one = await oidcBrowser();
    const two = await oidcBrowser();
    const token = await op.mintLogoutToken({ aud: CLIENT_ID, sub: 'u-session' });
    const res = await fetch(`${tg.url}/sso/oidc/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });
    expect(res.status).to.equal(200);
    results.push(await dead('after a sub-only logout token: first browser', one.cookie(tg.url, 'pg_session')));
    results.push(await dead('after a sub-only logout token: second browser', two.cookie(tg.url, 'pg_session')));
    expectAllHeld(CLASS, results);
  });

  it('reuse after the account is disabled, after the idle lifetime and after the absolute lifetime', async () => {
    const results: CaseResult[] = [];
    const disabled = await signInAs(tg, ids.other!.partnerId);
    await ts.store.db.updateTable('accounts').set({ disabled_at: Date.now() }).where('id', '=', ids.other!.accountId).execute();
    results.push(await dead('account disabled', disabled.cookieValue));
    await ts.store.db.updateTable('accounts').set({ disabled_at: null }).where('id', '=', ids.other!.accountId).execute();

    // The express side reads sessions on the real clock (sessionLoader does not take deps.now), so lifetimes are
    // aged in the store rather than by moving the gateway's clock.
    const { sha256 } = await import('../../src/common/tokens.js');
    const idle = await signInAs(tg, ids.pw!.partnerId);
    await ts.store.db.updateTable('sessions').set({ idle_expires_at: Date.now() - 1, last_seen_at: Date.now() - 61 * 60_000 }).where('id_hash', '=', sha256(idle.cookieValue)).execute();
    results.push(await dead('idle past its idle lifetime', idle.cookieValue));

    const busy = await signInAs(tg, ids.pw!.partnerId);
    await ts.store.db.updateTable('sessions').set({ absolute_expires_at: Date.now() - 1, idle_expires_at: Date.now() + HOUR }).where('id_hash', '=', sha256(busy.cookieValue)).execute();
    results.push(await dead('past its absolute lifetime, though recently used', busy.cookieValue));

    // Being used never pushes the idle expiry past the absolute one.
    const near = await signInAs(tg, ids.pw!.partnerId);
    await ts.store.db.updateTable('sessions').set({ absolute_expires_at: Date.now() + 5 * 60_000, last_seen_at: Date.now() - HOUR }).where('id_hash', '=', sha256(near.cookieValue)).execute();
    expect(await aliveAs(near.cookieValue, ids.pw!.accountId)).to.equal(true);
    const row = await ts.store.db.selectFrom('sessions').select(['idle_expires_at', 'absolute_expires_at']).where('id_hash', '=', sha256(near.cookieValue)).executeTakeFirstOrThrow();
    results.push({ name: 'a touch never extends past the absolute lifetime', held: row.idle_expires_at <= row.absolute_expires_at, why: JSON.stringify(row) });
    expectAllHeld(CLASS, results);
  });

  it('tampered, truncated, extended, oversized and duplicated cookies open nothing', async () => {
    const live = await signInAs(tg, ids.pw!.partnerId);
    const v = live.cookieValue;
    const flip = (i: number) => v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
    const variants: Array<[string, string]> = [
      ['first character changed', flip(0)],
      ['last character changed', flip(v.length - 1)],
      ['truncated', v.slice(0, -1)],
      ['extended', `${v}A`],
      ['upper-cased', v.toUpperCase() === v ? v.toLowerCase() : v.toUpperCase()],
      ['oversized', v.repeat(50)],
      // The first letter or digit becomes an escaped *different* letter: an 'A' escaped as %41 would decode to itself.
      ['url-encoded twice', encodeURIComponent(encodeURIComponent(v)).replace(/[A-Za-z0-9]/, (c) => (c === 'A' ? '%42' : '%41'))],
      ['empty', ''],
    ];
    const results: CaseResult[] = [];
    for (const [name, value] of variants) results.push(await dead(`tampered cookie: ${name}`, value || 'x'));
    // A live and a forged cookie of the same name: whichever is read, the forged one must not become a session.
    const dup = await fetch(`${tg.url}/sso/session`, { headers: { cookie: `pg_session=${flip(3)}; pg_session=${flip(5)}` } });
    results.push({ name: 'two forged cookies of the same name', held: dup.status === 401, why: `status ${dup.status}` });
    expectAllHeld(CLASS, results);
  });

  it('on https the cookies are __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ and carry no Domain (no cookie tossing)', async () => {
    const names = cookieNames(loadConfig({ PARTNERGATE_PUBLIC_URL: 'https://partners.example.com', PARTNERGATE_ENV: 'test' }).cookieSecure);
    const secure = await startTestGateway(ts.store, { PARTNERGATE_PUBLIC_URL: 'https://partners.example.com', PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '1000', PARTNERGATE_LOGIN_MAX_PER_IP: '100000' });
    try {
      const page = await fetch(`${secure.url}/sso/sign-in`);
      const pre = page.headers.getSetCookie().find((c) => c.startsWith(`${names.preCsrf}=`));
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      const res = await fetch(`${secure.url}/sso/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre!.split(';')[0]!, origin: 'https://partners.example.com' },
        body: new URLSearchParams({ _csrf: token, email: emails.pw, password: PASSWORD }),
      });
      const session = res.headers.getSetCookie().find((c) => c.startsWith(`${names.session}=`));
      const ok = (c: string | undefined) => c !== undefined && /; Secure/i.test(c) && /HttpOnly/i.test(c) && /SameSite=Lax/i.test(c) && /Path=\//.test(c) && !/Domain=/i.test(c);
      expectAllHeld(CLASS, [
        { name: 'https: pre-session cookie attributes', held: names.preCsrf.startsWith('__Host-') && ok(pre), why: pre },
        { name: 'https: session cookie attributes', held: res.status === 303 && names.session.startsWith('__Host-') && ok(session), why: `${res.status} ${session}` },
      ]);
    } finally {
      await secure.close();
    }
  });
});
