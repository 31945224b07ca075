/**
 * Local sign-in end to end on a real gateway (SQLite and PostgreSQL): the form, the session cookie, sign-out,
 * fixation, enumeration, throttling (per account from many IPs, per IP over many accounts), tampered and
 * expired cookies, the redirect rule, program access rules, and CSRF on the routes.
 */
import { expect } from 'chai';
import { useTestGateway, startTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { newBrowser, PASSWORD, seedPartner, sessionInfo, signInWithForm, submitForm, csrfIn } from './support/fixtures.js';

forEachStore('auth: local sign-in', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '3', PARTNERGATE_LOGIN_MAX_PER_IP: '6' });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('signs in with email and password: HttpOnly SameSite=Lax session cookie, a server-side session, then the partner center', async () => {
    const p = await seedPartner(ctx.store, { email: 'Ann@Example.test' });
    const browser = newBrowser();
    const res = await signInWithForm(browser, tg.url, ' ann@example.TEST ');
    expect(res.status).to.equal(303);
    expect(res.location).to.equal(`${tg.url}/partner-center/`);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('pg_session='))!;
    expect(setCookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Path=\//);
    const info = await sessionInfo(browser, tg.url);
    expect(info.status).to.equal(200);
    expect(info.body).to.include({ partnerId: p.partnerId, authMethod: 'password', twoFactorPending: false });
    const rows = await ctx.store.db.selectFrom('sessions').select(['id_hash', 'account_id']).execute();
    expect(rows).to.have.length(1);
    // The store keeps only a hash of the cookie.
    expect(rows[0]!.id_hash).to.not.equal(browser.cookie(tg.url, 'pg_session'));
    const audit = await ctx.store.db.selectFrom('audit_log').select('action').where('action', '=', 'auth.sign_in').execute();
    expect(audit).to.have.length(1);
  });

  it('session fixation: the cookie before sign-in is not the cookie after, and a planted cookie is worthless', async () => {
    await seedPartner(ctx.store, { email: 'fix@example.test' });
    const browser = newBrowser();
    browser.setCookie(tg.url, 'pg_session', 'attacker-chosen-value-aaaaaaaaaaaaaaaaaaaaaaaaa');
    await signInWithForm(browser, tg.url, 'fix@example.test');
    const after1 = browser.cookie(tg.url, 'pg_session')!;
    expect(after1).to.not.equal('attacker-chosen-value-aaaaaaaaaaaaaaaaaaaaaaaaa');
    // Signing in again (same browser, with the session's form token) replaces the session: the first id stops working.
    await submitForm(browser, tg.url, '/sso/sign-out', { email: 'fix@example.test', password: PASSWORD }, '/sso/sign-in');
    const after2 = browser.cookie(tg.url, 'pg_session')!;
    expect(after2).to.not.equal(after1);
    const old = newBrowser();
    old.setCookie(tg.url, 'pg_session', after1);
    expect((await sessionInfo(old, tg.url)).status).to.equal(401);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(1);
  });

  it('sign-out deletes the server-side session: the old cookie no longer works anywhere', async () => {
    await seedPartner(ctx.store, { email: 'out@example.test' });
    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'out@example.test');
    const cookie = browser.cookie(tg.url, 'pg_session')!;
    const page = await browser.request('GET', `${tg.url}/sso/sign-out`);
    const res = await browser.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(page.text) });
    expect(res.status).to.equal(303);
    expect(res.location).to.equal(`${tg.url}/sso/signed-out`);
    expect(res.headers.getSetCookie().some((c) => /^pg_session=;/.test(c))).to.equal(true);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(0);
    const replay = newBrowser();
    replay.setCookie(tg.url, 'pg_session', cookie);
    expect((await sessionInfo(replay, tg.url)).status).to.equal(401);
    const pc = await replay.request('GET', `${tg.url}/partner-center/`);
    expect(pc.status).to.equal(303);
    expect(pc.location).to.match(/\/sso\/sign-in\?rd=/);
  });

  it('account enumeration: an unknown email gets the same status and page as a wrong password', async () => {
    await seedPartner(ctx.store, { email: 'known@example.test' });
    const wrong = await signInWithForm(newBrowser('203.0.113.1'), tg.url, 'known@example.test', 'not the password at all');
    const unknown = await signInWithForm(newBrowser('203.0.113.2'), tg.url, 'nobody@example.test', 'not the password at all');
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(wrong.status);
    const normalise = (html: string, email: string) => html.replace(email, 'EMAIL').replace(/name="_csrf" value="[^"]*"/, '');
    expect(normalise(unknown.text, 'nobody@example.test')).to.equal(normalise(wrong.text, 'known@example.test'));
    expect(wrong.text).to.contain('The email address or password is not right.');
    // An account without a password (OIDC / hand-off only) answers the same too.
    await seedPartner(ctx.store, { email: 'nopass@example.test', password: null });
    const noPass = await signInWithForm(newBrowser('203.0.113.3'), tg.url, 'nopass@example.test', 'not the password at all');
    expect(normalise(noPass.text, 'nopass@example.test')).to.equal(normalise(wrong.text, 'known@example.test'));
  });

  it('throttles one account attacked from many IPs (X-Forwarded-For from the loopback proxy), with a clear 429', async () => {
    await seedPartner(ctx.store, { email: 'target@example.test' });
    for (let i = 1; i <= 3; i++) {
      const r = await signInWithForm(newBrowser(`198.51.100.${i}`), tg.url, 'target@example.test', `guess number ${i}`);
      expect(r.status, `attempt ${i}`).to.equal(401);
    }
    const blocked = await signInWithForm(newBrowser('198.51.100.50'), tg.url, 'target@example.test', 'guess number 4');
    expect(blocked.status).to.equal(429);
    expect(blocked.text).to.contain('Too many sign-in attempts. Wait 15 minutes and try again');
    expect(Number(blocked.headers.get('retry-after'))).to.be.within(800, 900);
    // Even the right password is refused while the account is throttled.
    const right = await signInWithForm(newBrowser('198.51.100.51'), tg.url, 'target@example.test', PASSWORD);
    expect(right.status).to.equal(429);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(0);
    // Other accounts are not affected.
    await seedPartner(ctx.store, { email: 'bystander@example.test' });
    expect((await signInWithForm(newBrowser('198.51.100.52'), tg.url, 'bystander@example.test')).status).to.equal(303);
  });

  it('throttles one IP trying many accounts; other IPs still sign in; an unknown email counts like a known one', async () => {
    await seedPartner(ctx.store, { email: 'victim@example.test' });
    const ip = '192.0.2.77';
    for (let i = 1; i <= 6; i++) {
      const r = await signInWithForm(newBrowser(ip), tg.url, `user${i}@example.test`, 'password spraying');
      expect(r.status, `attempt ${i}`).to.equal(401);
    }
    const blocked = await signInWithForm(newBrowser(ip), tg.url, 'victim@example.test', PASSWORD);
    expect(blocked.status).to.equal(429);
    const other = await signInWithForm(newBrowser('192.0.2.78'), tg.url, 'victim@example.test', PASSWORD);
    expect(other.status).to.equal(303);
  });

  it('a successful sign-in resets the account counter and does not use up the IP allowance', async () => {
    await seedPartner(ctx.store, { email: 'typo@example.test' });
    const ip = '192.0.2.90';
    const attempt = (password?: string) => signInWithForm(newBrowser(ip), tg.url, 'typo@example.test', password).then((r) => r.status);
    // Two typos then the right password, twice: 3 per account would have blocked the third typo of a run.
    for (let round = 0; round < 2; round++) {
      expect(await attempt('typo typo typo')).to.equal(401);
      expect(await attempt('typo typo typo')).to.equal(401);
      expect(await attempt()).to.equal(303);
    }
    expect(await attempt('typo typo typo')).to.equal(401); // 5th failure from this IP
    expect(await attempt()).to.equal(303); // successes do not count against the IP
    expect(await attempt('typo typo typo')).to.equal(401); // 6th failure: the IP's allowance is used up
    expect(await attempt()).to.equal(429);
  });

  it('tampered, unknown and expired cookies: pages redirect to sign-in, JSON gets 401, the cookie is cleared', async () => {
    await seedPartner(ctx.store, { email: 'tamper@example.test' });
    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'tamper@example.test');
    const good = browser.cookie(tg.url, 'pg_session')!;
    const tampered = newBrowser();
    tampered.setCookie(tg.url, 'pg_session', `${good.slice(0, -2)}${good.endsWith('A') ? 'BB' : 'AA'}`);
    const page = await tampered.request('GET', `${tg.url}/partner-center/reports?x=1`);
    expect(page.status).to.equal(303);
    expect(page.location).to.equal(`${tg.url}/sso/sign-in?rd=${encodeURIComponent('/partner-center/reports?x=1')}`);
    expect(page.headers.getSetCookie().some((c) => /^pg_session=;/.test(c))).to.equal(true);
    const api = await tampered.request('GET', `${tg.url}/partner-center/api/anything`, undefined, { accept: 'application/json' });
    expect(api.status).to.equal(401);
    expect(JSON.parse(api.text).error.code).to.equal('auth.required');

    // Idle expiry: the session row says it expired a second ago.
    await ctx.store.db.updateTable('sessions').set({ idle_expires_at: Date.now() - 1000 }).execute();
    const expired = await browser.request('GET', `${tg.url}/partner-center/`);
    expect(expired.status).to.equal(303);
    expect(expired.location).to.match(/\/sso\/sign-in\?rd=/);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(0);
  });

  it('follows a safe rd after sign-in and falls back to the partner center for an open redirect', async () => {
    await seedPartner(ctx.store, { email: 'rd@example.test' });
    const ok = await signInWithForm(newBrowser(), tg.url, 'rd@example.test', PASSWORD, '/partner-center/reports?from=2026-01-01');
    expect(ok.location).to.equal(`${tg.url}/partner-center/reports?from=2026-01-01`);
    for (const evil of ['//evil.example', '/\\evil.example', 'https://evil.example/', '/%09/evil.example', 'javascript:alert(1)']) {
      const r = await signInWithForm(newBrowser(), tg.url, 'rd@example.test', PASSWORD, evil);
      expect(r.location, evil).to.equal(`${tg.url}/partner-center/`);
    }
    // Already signed in: the sign-in page sends the browser on, through the same rule.
    const b = newBrowser();
    await signInWithForm(b, tg.url, 'rd@example.test');
    const again = await b.request('GET', `${tg.url}/sso/sign-in?rd=${encodeURIComponent('//evil.example/x')}`);
    expect(again.status).to.equal(303);
    expect(again.location).to.equal(`${tg.url}/partner-center/`);
  });

  it('refuses sign-in and sign-out posts without the CSRF token, with another session\'s token, or from another origin', async () => {
    await seedPartner(ctx.store, { email: 'csrf@example.test' });
    const browser = newBrowser();
    await browser.request('GET', `${tg.url}/sso/sign-in`);
    const missing = await browser.request('POST', `${tg.url}/sso/sign-in`, { email: 'csrf@example.test', password: PASSWORD });
    expect(missing.status).to.equal(403);
    const page = await browser.request('GET', `${tg.url}/sso/sign-in`);
    const crossOrigin = await browser.request('POST', `${tg.url}/sso/sign-in`, { _csrf: csrfIn(page.text), email: 'csrf@example.test', password: PASSWORD }, { origin: 'https://evil.example' });
    expect(crossOrigin.status).to.equal(403);
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.have.length(0);

    // Sign-out: another session's token does not work.
    const a = newBrowser();
    const b = newBrowser();
    await signInWithForm(a, tg.url, 'csrf@example.test');
    await signInWithForm(b, tg.url, 'csrf@example.test');
    const bPage = await b.request('GET', `${tg.url}/sso/sign-out`);
    const forged = await a.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(bPage.text) });
    expect(forged.status).to.equal(403);
    expect(forged.text).to.contain('Reload the page and try again');
    expect((await sessionInfo(a, tg.url)).status).to.equal(200);
    const noToken = await a.request('POST', `${tg.url}/sso/sign-out`, {});
    expect(noToken.status).to.equal(403);
    const aPage = await a.request('GET', `${tg.url}/sso/sign-out`);
    const evilOrigin = await a.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(aPage.text) }, { origin: 'http://evil.example' });
    expect(evilOrigin.status).to.equal(403);
    expect((await sessionInfo(a, tg.url)).status).to.equal(200);
  });

  it('a disabled account cannot sign in and its sessions stop working', async () => {
    const p = await seedPartner(ctx.store, { email: 'gone@example.test' });
    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'gone@example.test');
    await ctx.store.db.updateTable('accounts').set({ disabled_at: Date.now() }).where('id', '=', p.accountId!).execute();
    expect((await sessionInfo(browser, tg.url)).status).to.equal(401);
    expect((await signInWithForm(newBrowser(), tg.url, 'gone@example.test')).status).to.equal(401);
  });

  it('on https the session cookie is __Host- prefixed and Secure (and still HttpOnly, SameSite=Lax, Path=/)', async () => {
    await seedPartner(ctx.store, { email: 'https@example.test' });
    const secure = await startTestGateway(ctx.store, { PARTNERGATE_PUBLIC_URL: 'https://partners.example.test' });
    try {
      const browser = newBrowser();
      const page = await browser.request('GET', `${secure.url}/sso/sign-in`);
      expect(page.headers.getSetCookie().some((c) => c.startsWith('__Host-pg_csrf=') && /;\s*Secure/i.test(c))).to.equal(true);
      const res = await browser.request('POST', `${secure.url}/sso/sign-in`, { _csrf: csrfIn(page.text), email: 'https@example.test', password: PASSWORD });
      expect(res.status).to.equal(303);
      expect(res.headers.get('location')).to.equal('/partner-center/');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-pg_session='))!;
      expect(cookie).to.match(/;\s*Secure/i).and.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Path=\//).and.not.match(/Domain=/i);
    } finally {
      await secure.close();
    }
  });

  it('empty fields get a clear 400 without counting as an attempt', async () => {
    const r = await submitForm(newBrowser(), tg.url, '/sso/sign-in', { email: '', password: '' });
    expect(r.status).to.equal(400);
    expect(r.text).to.contain('Enter your email address and your password.');
  });
});

forEachStore('auth: program access rules', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_ACCESS_PROGRAMS: 'Gold Partners, Silver Partners' });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('lets partners of an allowed program in and shows others a clear 403 page, not data', async () => {
    await seedPartner(ctx.store, { email: 'gold@example.test', program: 'gold partners' });
    await seedPartner(ctx.store, { email: 'bronze@example.test', program: 'Bronze Partners' });
    const gold = newBrowser();
    await signInWithForm(gold, tg.url, 'gold@example.test');
    const goldPage = await gold.request('GET', `${tg.url}/partner-center/api/probe`, undefined, { accept: 'application/json' });
    expect(goldPage.status).to.not.be.oneOf([401, 403]);

    const bronze = newBrowser();
    await signInWithForm(bronze, tg.url, 'bronze@example.test');
    const page = await bronze.request('GET', `${tg.url}/partner-center/`);
    expect(page.status).to.equal(403);
    expect(page.text).to.contain('Your partner program does not have access to this partner center');
    const api = await bronze.request('GET', `${tg.url}/partner-center/api/probe`, undefined, { accept: 'application/json' });
    expect(api.status).to.equal(403);
    expect(JSON.parse(api.text).error.code).to.equal('auth.program_not_allowed');
  });
});
