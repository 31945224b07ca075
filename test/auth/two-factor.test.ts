/**
 * TOTP two-factor (RFC 6238) end to end: enrolment (fresh password needed), the challenge after a password
 * sign-in (partner center closed until then), codes used once, recovery codes used once, mandatory enrolment
 * when the admin requires it, and turning it off.
 */
import { expect } from 'chai';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { currentTotpCode } from '../../src/auth/totp.js';
import { useTestGateway } from '../support/gateway.js';
import type { CookieBrowser } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, seedPartner, sessionInfo, signInWithForm, submitForm } from './support/fixtures.js';

/** Reads the key shown on the enrolment page (what the partner types into the app). */
function secretOn(html: string): string {
  const m = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html);
  if (!m) throw new Error('no TOTP key on the page');
  return m[1]!;
}

// jsqr is CommonJS whose module.exports is the function (with a `default` copy): NodeNext types see the namespace.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** Reads the QR code on the enrolment page as an authenticator app's camera would: the text it holds. */
function qrCodeOn(html: string): string {
  const m = /<img id="totp-qr"[^>]* src="data:image\/png;base64,([A-Za-z0-9+/]+(?:&#x3D;|=){0,2})"/.exec(html);
  if (!m) throw new Error('no QR code on the page');
  const png = PNG.sync.read(Buffer.from(m[1]!.replace(/&#x3D;/g, '='), 'base64'));
  const read = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!read) throw new Error('the QR code cannot be read');
  return read.data;
}

function recoveryCodesOn(html: string): string[] {
  return /<pre id="recovery-codes">([\s\S]*?)<\/pre>/.exec(html)![1]!.trim().split('\n');
}

/** Enrols like a partner with an authenticator app; `nextCode` is the code of the following 30-second step. */
async function enrol(browser: CookieBrowser, base: string): Promise<{ secret: string; codes: string[]; usedCode: string; nextCode: string }> {
  const page = await browser.request('GET', `${base}/sso/two-factor/setup`);
  expect(page.status).to.equal(200);
  const secret = secretOn(page.text);
  // The QR code holds the same key, for this account, from this site (what the app lists it under).
  const scanned = new URL(qrCodeOn(page.text));
  expect(scanned.protocol).to.equal('otpauth:');
  expect(scanned.searchParams.get('secret')).to.equal(secret);
  expect(scanned.searchParams.get('digits')).to.equal('6');
  expect(scanned.searchParams.get('period')).to.equal('30');
  expect(decodeURIComponent(scanned.pathname)).to.match(/@example\.test$/);
  const at = Date.now();
  const usedCode = currentTotpCode(secret, at);
  const res = await browser.request('POST', `${base}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: usedCode });
  expect(res.status).to.equal(200);
  return { secret, codes: recoveryCodesOn(res.text), usedCode, nextCode: currentTotpCode(secret, at + 30_000) };
}

forEachStore('auth: two-factor', (ctx) => {
  const tg = useTestGateway(() => ctx.store);
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('enrols, then asks for the code after the password; the partner center stays closed until it is given', async () => {
    await seedPartner(ctx.store, { email: 'totp@example.test' });
    const setup = newBrowser();
    await signInWithForm(setup, tg.url, 'totp@example.test');
    const { codes, usedCode, nextCode } = await enrol(setup, tg.url);
    expect(codes).to.have.length(10);
    const account = await ctx.store.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(account.totp_enabled).to.equal(1);
    const stored = JSON.parse(account.totp_recovery_json!) as string[];
    expect(stored).to.have.length(10);
    expect(stored.every((h) => h.startsWith('$argon2id$'))).to.equal(true);
    expect(account.totp_recovery_json).to.not.contain(codes[0]!);

    const browser = newBrowser();
    const signIn = await signInWithForm(browser, tg.url, 'totp@example.test', undefined, '/partner-center/reports');
    expect(signIn.status).to.equal(303);
    expect(signIn.location).to.equal(`${tg.url}/sso/two-factor?rd=${encodeURIComponent('/partner-center/reports')}`);
    const pendingCookie = browser.cookie(tg.url, 'pg_session');
    expect((await sessionInfo(browser, tg.url)).body.twoFactorPending).to.equal(true);
    const blocked = await browser.request('GET', `${tg.url}/partner-center/`);
    expect(blocked.status).to.equal(303);
    expect(blocked.location).to.equal(`${tg.url}/sso/two-factor`);
    const api = await browser.request('GET', `${tg.url}/partner-center/api/probe`, undefined, { accept: 'application/json' });
    expect(api.status).to.equal(401);
    expect(JSON.parse(api.text).error.code).to.equal('auth.totp_required');

    const wrong = await submitForm(browser, tg.url, '/sso/two-factor', { code: '000000' });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.contain('That code is not right');
    // The code the enrolment used is spent: a replay fails even though it is still within the accepted window.
    const replay = await submitForm(browser, tg.url, '/sso/two-factor', { code: usedCode });
    expect(replay.status).to.equal(401);

    // The next step's code is valid (one step of drift is tolerated) and has not been used yet.
    const ok = await submitForm(browser, tg.url, '/sso/two-factor?rd=/partner-center/reports', { code: nextCode, rd: '/partner-center/reports' });
    expect(ok.status).to.equal(303);
    expect(ok.location).to.equal(`${tg.url}/partner-center/reports`);
    expect(browser.cookie(tg.url, 'pg_session'), 'a new id once the second factor is given').to.not.equal(pendingCookie);
    expect((await sessionInfo(browser, tg.url)).body.twoFactorPending).to.equal(false);
  });

  it('a recovery code works once', async () => {
    await seedPartner(ctx.store, { email: 'recover@example.test' });
    const setup = newBrowser();
    await signInWithForm(setup, tg.url, 'recover@example.test');
    const { codes } = await enrol(setup, tg.url);
    const first = newBrowser();
    await signInWithForm(first, tg.url, 'recover@example.test');
    expect((await submitForm(first, tg.url, '/sso/two-factor', { code: codes[3]!.toUpperCase() })).status).to.equal(303);
    const second = newBrowser();
    await signInWithForm(second, tg.url, 'recover@example.test');
    expect((await submitForm(second, tg.url, '/sso/two-factor', { code: codes[3]! })).status).to.equal(401);
    expect((await submitForm(second, tg.url, '/sso/two-factor', { code: codes[4]!.replace('-', '') })).status).to.equal(303);
    const left = JSON.parse((await ctx.store.db.selectFrom('accounts').select('totp_recovery_json').executeTakeFirstOrThrow()).totp_recovery_json!);
    expect(left).to.have.length(8);
  });

  it('enrolment needs a recent password: a stale session is sent to /sso/confirm first', async () => {
    await seedPartner(ctx.store, { email: 'stale@example.test' });
    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'stale@example.test');
    await ctx.store.db.updateTable('sessions').set({ reauth_at: Date.now() - 60 * 60_000 }).execute();
    const page = await browser.request('GET', `${tg.url}/sso/two-factor/setup`);
    expect(page.status).to.equal(303);
    expect(page.location).to.equal(`${tg.url}/sso/confirm?rd=${encodeURIComponent('/sso/two-factor/setup')}`);
    const token = csrfIn((await browser.request('GET', `${tg.url}/sso/password`)).text);
    const post = await browser.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: token, code: '123456' });
    expect(post.status).to.equal(403);
  });

  it('can be turned off with a current code when it is optional', async () => {
    await seedPartner(ctx.store, { email: 'off@example.test' });
    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'off@example.test');
    const { nextCode } = await enrol(browser, tg.url);
    const status = await browser.request('GET', `${tg.url}/sso/two-factor/setup`);
    expect(status.text).to.contain('Two-factor sign-in is on');
    const bad = await browser.request('POST', `${tg.url}/sso/two-factor/disable`, { _csrf: csrfIn(status.text), code: '111111' });
    expect(bad.status).to.equal(401);
    const off = await browser.request('POST', `${tg.url}/sso/two-factor/disable`, { _csrf: csrfIn(status.text), code: nextCode });
    expect(off.status).to.equal(200);
    const account = await ctx.store.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(account).to.include({ totp_enabled: 0, totp_secret: null });
    expect((await signInWithForm(newBrowser(), tg.url, 'off@example.test')).location).to.equal(`${tg.url}/partner-center/`);
  });
});

forEachStore('auth: mandatory two-factor', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_TOTP_REQUIRED: 'true' });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('forces enrolment after the password; nothing else opens until it is done; it cannot be turned off', async () => {
    await seedPartner(ctx.store, { email: 'forced@example.test' });
    const browser = newBrowser();
    const signIn = await signInWithForm(browser, tg.url, 'forced@example.test', undefined, '/partner-center/links');
    expect(signIn.location).to.equal(`${tg.url}/sso/two-factor/setup?rd=${encodeURIComponent('/partner-center/links')}`);
    const blocked = await browser.request('GET', `${tg.url}/partner-center/`);
    expect(blocked.location).to.equal(`${tg.url}/sso/two-factor`);
    const challenge = await browser.request('GET', `${tg.url}/sso/two-factor`);
    expect(challenge.status).to.equal(303);
    expect(challenge.location).to.match(/\/sso\/two-factor\/setup/);
    const page = await browser.request('GET', `${tg.url}/sso/two-factor/setup?rd=${encodeURIComponent('/partner-center/links')}`);
    expect(page.text).to.contain('Two-factor sign-in is required for this account');
    const secret = secretOn(page.text);
    const at = Date.now();
    const done = await browser.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(secret, at), rd: '/partner-center/links' });
    expect(done.status).to.equal(200);
    expect(done.text).to.contain('href="/partner-center/links"');
    expect((await sessionInfo(browser, tg.url)).body.twoFactorPending).to.equal(false);
    const status = await browser.request('GET', `${tg.url}/sso/two-factor/setup`);
    expect(status.text).to.not.contain('/sso/two-factor/disable');
    const off = await browser.request('POST', `${tg.url}/sso/two-factor/disable`, { _csrf: csrfIn((await browser.request('GET', `${tg.url}/sso/password`)).text), code: currentTotpCode(secret, at + 30_000) });
    expect(off.status).to.equal(403);
  });
});
