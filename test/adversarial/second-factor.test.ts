/**
 * Second-factor bypass: what an attacker who knows only the password can do with the half-signed-in session it
 * gives. The reported takeover (enrolment re-run from a pending session overwrote an enabled secret, then
 * completed the sign-in), every other route a pending session might reach, the TOTP guess counter across
 * password sign-ins, sessions left open when TOTP is turned on, and administrators under `TOTP_REQUIRED`.
 */
import { expect } from 'chai';
import { currentTotpCode } from '../../src/auth/totp.js';
import { useTestGateway } from '../support/gateway.js';
import type { CookieBrowser } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, seedPartner, sessionInfo, signInWithForm } from '../auth/support/fixtures.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'second-factor bypass';

/** The key shown on the enrolment page, if any. */
const secretOn = (html: string) => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html)?.[1];

/** Enrols the signed-in browser like a partner with an authenticator app; returns the secret. */
async function enrol(browser: CookieBrowser, base: string): Promise<string> {
  const page = await browser.request('GET', `${base}/sso/two-factor/setup`);
  const secret = secretOn(page.text)!;
  const res = await browser.request('POST', `${base}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(secret) });
  expect(res.status, 'enrolment').to.equal(200);
  return secret;
}

forEachStore('adversarial: second factor', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '5', PARTNERGATE_LOGIN_MAX_PER_IP: '1000' });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  const account = (email: string) => ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

  /** A partner with TOTP on, and an attacker's browser holding the pending session the password gives. */
  async function pendingAttacker(email: string): Promise<{ attacker: CookieBrowser; owner: CookieBrowser; secret: string; token: string }> {
    await seedPartner(ctx.store, { email });
    const owner = newBrowser();
    await signInWithForm(owner, tg.url, email);
    const secret = await enrol(owner, tg.url);
    const attacker = newBrowser();
    const signIn = await signInWithForm(attacker, tg.url, email);
    expect(signIn.location).to.match(/\/sso\/two-factor\?/);
    const token = csrfIn((await attacker.request('GET', `${tg.url}/sso/two-factor`)).text);
    return { attacker, owner, secret, token };
  }

  it('regression: a password alone cannot re-enrol TOTP from the pending session and take the account over', async () => {
    const email = 'takeover@example.test';
    const { attacker, token } = await pendingAttacker(email);
    const before = await account(email);
    const step3 = await attacker.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: token, code: '000000' });
    const shown = secretOn(step3.text);
    const after3 = await account(email);
    const step4 = shown ? await attacker.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: token, code: currentTotpCode(shown) }) : undefined;
    const after4 = await account(email);
    const info = await sessionInfo(attacker, tg.url);
    expectAllHeld(CLASS, [
      { name: 'takeover: wrong code shows no new secret', held: shown === undefined, why: `status ${step3.status}` },
      { name: 'takeover: the enabled secret is untouched', held: after3.totp_enabled === 1 && after4.totp_enabled === 1 && after3.totp_secret === before.totp_secret && after4.totp_secret === before.totp_secret, why: `enabled ${after3.totp_enabled}/${after4.totp_enabled}` },
      { name: 'takeover: no recovery codes for the attacker', held: !step4 || !/recovery-codes/.test(step4.text), why: `status ${step4?.status}` },
      { name: 'takeover: the session still waits for the code', held: info.body.twoFactorPending === true, why: JSON.stringify(info.body) },
    ]);
  });

  it('a session waiting for its code reaches only the challenge and sign-out', async () => {
    const { attacker, token } = await pendingAttacker('pending@example.test');
    const tries: Array<{ name: string; method: 'GET' | 'POST'; path: string; form?: Record<string, string> }> = [
      { name: 'GET setup', method: 'GET', path: '/sso/two-factor/setup' },
      { name: 'POST setup', method: 'POST', path: '/sso/two-factor/setup', form: { _csrf: token, code: '123456' } },
      { name: 'POST disable', method: 'POST', path: '/sso/two-factor/disable', form: { _csrf: token, code: '123456' } },
      { name: 'GET password', method: 'GET', path: '/sso/password' },
      { name: 'POST password', method: 'POST', path: '/sso/password', form: { _csrf: token, current_password: 'x', new_password: 'a new long password 123' } },
      { name: 'GET confirm', method: 'GET', path: '/sso/confirm' },
      { name: 'POST confirm', method: 'POST', path: '/sso/confirm', form: { _csrf: token, password: 'correct horse battery staple' } },
      { name: 'GET partner center', method: 'GET', path: '/partner-center/' },
      { name: 'GET partner center API', method: 'GET', path: '/partner-center/api/probe' },
      { name: 'GET admin', method: 'GET', path: '/partner-center/admin/' },
    ];
    const results: CaseResult[] = [];
    for (const t of tries) {
      const before = await account('pending@example.test');
      const res = await attacker.request(t.method, `${tg.url}${t.path}`, t.form, t.path.includes('/api/') ? { accept: 'application/json' } : {});
      const after = await account('pending@example.test');
      const toChallenge = res.status === 303 && /\/sso\/(two-factor|sign-in)(\?|$)/.test(new URL(res.location!, tg.url).pathname + (new URL(res.location!, tg.url).search ? '?' : ''));
      const refused = res.status === 401 || res.status === 403;
      const unchanged = before.totp_secret === after.totp_secret && before.totp_enabled === after.totp_enabled && before.password_hash === after.password_hash;
      results.push({ name: `pending session: ${t.name} refused`, held: (toChallenge || refused) && unchanged && !secretOn(res.text), why: `status ${res.status} ${res.location ?? ''}` });
    }
    const info = await sessionInfo(attacker, tg.url);
    results.push({ name: 'pending session: still pending afterwards', held: info.body.twoFactorPending === true });
    expectAllHeld(CLASS, results);
  });

  it('the TOTP guess counter is not reset by signing in with the password again', async () => {
    const { attacker } = await pendingAttacker('counter@example.test');
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      if (round > 0) await signInWithForm(attacker, tg.url, 'counter@example.test');
      for (let i = 0; i < 4; i++) {
        const page = await attacker.request('GET', `${tg.url}/sso/two-factor`);
        statuses.push((await attacker.request('POST', `${tg.url}/sso/two-factor`, { _csrf: csrfIn(page.text), code: String(100000 + round * 10 + i) })).status);
      }
    }
    // Limit 5 failures per account in 15 minutes: guesses 6 and later are refused whatever the password did.
    expectAllHeld(CLASS, [{ name: 'TOTP counter survives a correct password', held: statuses.slice(0, 5).every((s) => s === 401) && statuses.slice(5).every((s) => s === 429), why: statuses.join(',') }]);
  });

  it('turning TOTP on ends the account\'s other sessions', async () => {
    await seedPartner(ctx.store, { email: 'others@example.test' });
    const thief = newBrowser();
    await signInWithForm(thief, tg.url, 'others@example.test');
    const owner = newBrowser();
    await signInWithForm(owner, tg.url, 'others@example.test');
    await enrol(owner, tg.url);
    const thiefInfo = await sessionInfo(thief, tg.url);
    const ownerInfo = await sessionInfo(owner, tg.url);
    expectAllHeld(CLASS, [
      { name: 'enabling TOTP ends other sessions', held: thiefInfo.status === 401, why: `status ${thiefInfo.status}` },
      { name: 'enabling TOTP keeps the enrolling session', held: ownerInfo.status === 200, why: `status ${ownerInfo.status}` },
    ]);
  });

  it('disabling needs a current code, not just the session', async () => {
    await seedPartner(ctx.store, { email: 'disable@example.test' });
    const owner = newBrowser();
    await signInWithForm(owner, tg.url, 'disable@example.test');
    await enrol(owner, tg.url);
    const page = await owner.request('GET', `${tg.url}/sso/two-factor/setup`);
    const results: CaseResult[] = [];
    for (const code of ['', '000000', 'abcde-fghij']) {
      const res = await owner.request('POST', `${tg.url}/sso/two-factor/disable`, { _csrf: csrfIn(page.text), code });
      results.push({ name: `disable with code ${JSON.stringify(code)} refused`, held: res.status === 401 && (await account('disable@example.test')).totp_enabled === 1, why: `status ${res.status}` });
    }
    expectAllHeld(CLASS, results);
  });
});

forEachStore('adversarial: second factor required', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_TOTP_REQUIRED: 'true' });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('administrators fall under TOTP_REQUIRED too', async () => {
    await seedPartner(ctx.store, { email: 'admin@example.test', role: 'admin' });
    const browser = newBrowser();
    const signIn = await signInWithForm(browser, tg.url, 'admin@example.test');
    const admin = await browser.request('GET', `${tg.url}/partner-center/admin/`);
    expectAllHeld(CLASS, [
      { name: 'admin: sent to enrolment after the password', held: /\/sso\/two-factor\/setup/.test(signIn.location ?? ''), why: signIn.location ?? `status ${signIn.status}` },
      { name: 'admin: admin pages closed until enrolled', held: admin.status !== 200, why: `status ${admin.status}` },
    ]);
  });
});
