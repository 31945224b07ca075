/**
 * Forgot password over real SMTP, the single-use reset and set-password links (hashed, expiring, one use even
 * when two requests race), password change (current password required, other sessions end), re-authentication,
 * and CSRF on each of these POST routes.
 */
import express from 'express';
import { expect } from 'chai';
import { backgroundIdle, confirmPassword, requireFreshAuth } from '../../src/auth/index.js';
import { issueSetPasswordToken, setPasswordLinkFor } from '../../src/accounts/index.js';
import { sha256 } from '../../src/common/tokens.js';
import { findSessionWithAccount } from '../../src/accounts/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, PASSWORD, seedPartner, sessionInfo, signInWithForm, submitForm } from './support/fixtures.js';

const NEW_PASSWORD = 'a brand new passphrase 77';

forEachStore('auth: passwords', (ctx) => {
  let tg: TestGateway;
  let sink: SmtpSink;
  let clockOffset = 0;
  before(async () => {
    sink = await startSmtpSink();
    tg = await startTestGateway(ctx.store, { PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_TOKEN_TTL_MINUTES: '30' }, { now: () => Date.now() + clockOffset });
  });
  after(async () => {
    await tg?.close();
    await sink?.close();
  });
  beforeEach(async () => {
    clockOffset = 0;
    await clearTables(ctx.store);
    sink.clear();
  });

  async function requestReset(email: string, ip = '203.0.113.10') {
    const res = await submitForm(newBrowser(ip), tg.url, '/sso/forgot', { email });
    await backgroundIdle();
    return res;
  }

  it('emails a single-use reset link (token stored hashed); the new password works, the old one and old sessions do not', async () => {
    const p = await seedPartner(ctx.store, { email: 'reset@example.test' });
    const old = newBrowser();
    await signInWithForm(old, tg.url, 'reset@example.test');
    const res = await requestReset('RESET@example.test');
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('If an account uses that address');
    const mail = await sink.waitForMessage('reset@example.test');
    expect(mail.subject).to.contain('Choose a new password');
    expect(mail.text).to.contain('30 minutes');
    const link = await sink.waitForLink('reset@example.test', '/sso/reset?token=');
    expect(link.startsWith(`${tg.url}/sso/reset?token=`)).to.equal(true);
    const raw = new URL(link).searchParams.get('token')!;
    const row = await ctx.store.db.selectFrom('one_time_tokens').selectAll().where('purpose', '=', 'reset_password').executeTakeFirstOrThrow();
    expect(row.token_hash).to.equal(sha256(raw));
    expect(JSON.stringify(row)).to.not.contain(raw);
    expect(row.account_id).to.equal(p.accountId);

    const browser = newBrowser();
    const set = await submitForm(browser, tg.url, `/sso/reset?token=${encodeURIComponent(raw)}`, { token: raw, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD });
    expect(set.status).to.equal(303);
    expect(set.location).to.equal(`${tg.url}/sso/sign-in?notice=password_reset`);
    expect((await sessionInfo(old, tg.url)).status, 'sessions opened before the reset end').to.equal(401);
    expect((await signInWithForm(newBrowser(), tg.url, 'reset@example.test', PASSWORD)).status).to.equal(401);
    expect((await signInWithForm(newBrowser(), tg.url, 'reset@example.test', NEW_PASSWORD)).status).to.equal(303);

    // Second use of the same link: a clear 400 page, for the form and for a direct post.
    const again = await browser.request('GET', link);
    expect(again.status).to.equal(400);
    expect(again.text).to.contain('This link has expired or was already used');
    const page = await browser.request('GET', `${tg.url}/sso/forgot`);
    const replay = await browser.request('POST', `${tg.url}/sso/reset`, { _csrf: csrfIn(page.text), token: raw, new_password: 'attacker password 123', new_password_confirm: 'attacker password 123' });
    expect(replay.status).to.equal(400);
    expect((await signInWithForm(newBrowser(), tg.url, 'reset@example.test', NEW_PASSWORD)).status).to.equal(303);
  });

  it('answers the same for an unknown email and sends nothing', async () => {
    await seedPartner(ctx.store, { email: 'exists@example.test' });
    const unknown = await requestReset('ghost@example.test', '203.0.113.11');
    const known = await requestReset('exists@example.test', '203.0.113.12');
    expect(unknown.status).to.equal(known.status);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/, '');
    expect(strip(unknown.text)).to.equal(strip(known.text));
    await sink.waitForMessage('exists@example.test');
    expect(sink.messagesTo('ghost@example.test')).to.have.length(0);
    expect(await ctx.store.db.selectFrom('one_time_tokens').select('id').execute()).to.have.length(1);
    expect(await ctx.store.db.selectFrom('email_outbox').select('to_address').execute()).to.deep.equal([{ to_address: 'exists@example.test' }]);
  });

  it('a reset link expires after the configured lifetime, and a newer link replaces an older one', async () => {
    await seedPartner(ctx.store, { email: 'late@example.test' });
    await requestReset('late@example.test');
    const first = await sink.waitForLink('late@example.test', '/sso/reset?token=');
    await requestReset('late@example.test');
    const second = await sink.waitForLink('late@example.test', '/sso/reset?token=', { after: 1 });
    expect(second).to.not.equal(first);
    expect((await newBrowser().request('GET', first)).status, 'the older link was replaced').to.equal(400);
    expect((await newBrowser().request('GET', second)).status).to.equal(200);
    clockOffset = 31 * 60_000;
    const expired = await newBrowser().request('GET', second);
    expect(expired.status).to.equal(400);
    expect(expired.text).to.contain('expired or was already used');
  });

  it('two requests racing with one link: exactly one sets the password', async () => {
    const p = await seedPartner(ctx.store, { email: 'race@example.test' });
    const raw = await issueSetPasswordToken(ctx.store.db, p.accountId!, 60_000);
    const browsers = [newBrowser(), newBrowser(), newBrowser(), newBrowser()];
    const pages = await Promise.all(browsers.map((b) => b.request('GET', `${tg.url}/sso/set-password?token=${raw}`)));
    const results = await Promise.all(
      browsers.map((b, i) => b.request('POST', `${tg.url}/sso/set-password`, { _csrf: csrfIn(pages[i]!.text), token: raw, new_password: `racer number ${i} pw`, new_password_confirm: `racer number ${i} pw` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([303, 400, 400, 400]);
    const winner = results.findIndex((r) => r.status === 303);
    expect((await signInWithForm(newBrowser(), tg.url, 'race@example.test', `racer number ${winner} pw`)).status).to.equal(303);
  });

  it('set-password links (new credentials) use the same mechanism and URL builder', async () => {
    const p = await seedPartner(ctx.store, { email: 'new@example.test', password: null });
    const raw = await issueSetPasswordToken(ctx.store.db, p.accountId!, 60_000);
    const link = setPasswordLinkFor(tg.config, raw);
    expect(link).to.equal(`${tg.url}/sso/set-password?token=${raw}`);
    const b = newBrowser();
    const tooShort = await submitForm(b, tg.url, `/sso/set-password?token=${raw}`, { token: raw, new_password: 'short', new_password_confirm: 'short' });
    expect(tooShort.status).to.equal(400);
    expect(tooShort.text).to.contain('The new password must be at least 10 characters.');
    const mismatch = await submitForm(b, tg.url, `/sso/set-password?token=${raw}`, { token: raw, new_password: NEW_PASSWORD, new_password_confirm: 'something else entirely' });
    expect(mismatch.status).to.equal(400);
    expect(mismatch.text).to.contain('The two new passwords are not the same.');
    const ok = await submitForm(b, tg.url, `/sso/set-password?token=${raw}`, { token: raw, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD });
    expect(ok.status).to.equal(303);
    expect(ok.location).to.equal(`${tg.url}/sso/sign-in?notice=password_set`);
    const signInPage = await b.request('GET', ok.location!);
    expect(signInPage.text).to.contain('Your password is set. Sign in with it.');
    // A reset token cannot be used on the set-password route, nor the other way round.
    const reset = await issueSetPasswordToken(ctx.store.db, p.accountId!, 60_000);
    expect((await newBrowser().request('GET', `${tg.url}/sso/reset?token=${reset}`)).status).to.equal(400);
  });

  it('password change needs the current password, signs out every other session, and gives this browser a new id', async () => {
    await seedPartner(ctx.store, { email: 'change@example.test' });
    const here = newBrowser();
    const elsewhere = newBrowser();
    await signInWithForm(here, tg.url, 'change@example.test');
    await signInWithForm(elsewhere, tg.url, 'change@example.test');
    const before = here.cookie(tg.url, 'pg_session');

    const wrong = await submitForm(here, tg.url, '/sso/password', { current_password: 'not my password', new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD });
    expect(wrong.status).to.equal(400);
    expect(wrong.text).to.contain('Your current password is not right.');
    expect((await sessionInfo(elsewhere, tg.url)).status).to.equal(200);

    const ok = await submitForm(here, tg.url, '/sso/password', { current_password: PASSWORD, new_password: NEW_PASSWORD, new_password_confirm: NEW_PASSWORD });
    expect(ok.status).to.equal(303);
    expect(ok.location).to.equal(`${tg.url}/sso/password?changed=1`);
    expect(here.cookie(tg.url, 'pg_session')).to.not.equal(before);
    expect((await sessionInfo(here, tg.url)).status).to.equal(200);
    expect((await sessionInfo(elsewhere, tg.url)).status, 'the other session ended').to.equal(401);
    const stale = newBrowser();
    stale.setCookie(tg.url, 'pg_session', before!);
    expect((await sessionInfo(stale, tg.url)).status, 'the old id of this browser ended').to.equal(401);
    expect((await signInWithForm(newBrowser(), tg.url, 'change@example.test', NEW_PASSWORD)).status).to.equal(303);

    // JSON clients (the settings page's script) get JSON errors naming the field.
    const page = await here.request('GET', `${tg.url}/sso/password`);
    const json = await here.request('POST', `${tg.url}/sso/password`, { _csrf: csrfIn(page.text), current_password: 'wrong one', new_password: 'x' }, { accept: 'application/json' });
    expect(json.status).to.equal(400);
    expect(JSON.parse(json.text).error.field).to.equal('new_password');
    // Signed out: 401.
    const anon = newBrowser();
    const anonPage = await anon.request('GET', `${tg.url}/sso/forgot`);
    expect((await anon.request('POST', `${tg.url}/sso/password`, { _csrf: csrfIn(anonPage.text), current_password: PASSWORD, new_password: NEW_PASSWORD })).status).to.equal(401);
  });

  it('re-authentication: /sso/confirm refuses a wrong password, records reauth_at and returns to a safe rd', async () => {
    await seedPartner(ctx.store, { email: 'confirm@example.test' });
    const b = newBrowser();
    await signInWithForm(b, tg.url, 'confirm@example.test');
    await ctx.store.db.updateTable('sessions').set({ reauth_at: 1 }).execute();
    const wrong = await submitForm(b, tg.url, '/sso/confirm?rd=/partner-center/settings', { password: 'wrong password', rd: '/partner-center/settings' });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.contain('The password is not right.');
    const ok = await submitForm(b, tg.url, '/sso/confirm?rd=/partner-center/settings', { password: PASSWORD, rd: '/partner-center/settings' });
    expect(ok.status).to.equal(303);
    expect(ok.location).to.equal(`${tg.url}/partner-center/settings`);
    const s = await ctx.store.db.selectFrom('sessions').select('reauth_at').executeTakeFirstOrThrow();
    expect(s.reauth_at).to.be.greaterThan(Date.now() - 10_000);
    const evil = await submitForm(b, tg.url, '/sso/confirm', { password: PASSWORD, rd: 'https://evil.example/' });
    expect(evil.location).to.equal(`${tg.url}/partner-center/`);
  });

  it('requireFreshAuth: recent enough passes; stale pages go to /sso/confirm, stale posts get 403 auth.reauth_required', async () => {
    const p = await seedPartner(ctx.store, { email: 'fresh@example.test' });
    const b = newBrowser();
    await signInWithForm(b, tg.url, 'fresh@example.test');
    const { id_hash } = await ctx.store.db.selectFrom('sessions').select('id_hash').executeTakeFirstOrThrow();
    const session = (await findSessionWithAccount(ctx.store.db, id_hash))!;
    const app = express();
    app.use((req, _res, next) => {
      req.ctx = { id: 'test', log: tg.gateway.deps.logger, locale: 'en', session: { ...session, reauth_at: Number(req.headers['x-reauth-at']) } };
      next();
    });
    app.all('/paypal', requireFreshAuth(5 * 60_000), (_req, res) => res.send('changed'));
    app.use((err: { status?: number; code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => res.status(err.status ?? 500).json({ code: err.code }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const fresh = await fetch(`${base}/paypal`, { method: 'POST', headers: { 'x-reauth-at': String(Date.now() - 60_000) } });
      expect(fresh.status).to.equal(200);
      const stalePost = await fetch(`${base}/paypal`, { method: 'POST', headers: { 'x-reauth-at': String(Date.now() - 6 * 60_000) } });
      expect(stalePost.status).to.equal(403);
      expect(await stalePost.json()).to.deep.equal({ code: 'auth.reauth_required' });
      const stalePage = await fetch(`${base}/paypal?x=1`, { redirect: 'manual', headers: { 'x-reauth-at': String(Date.now() - 6 * 60_000) } });
      expect(stalePage.status).to.equal(303);
      expect(stalePage.headers.get('location')).to.equal(`/sso/confirm?rd=${encodeURIComponent('/paypal?x=1')}`);
    } finally {
      server.close();
    }
    // The service form: confirmPassword updates reauth_at for the partner center's own forms.
    expect(await confirmPassword(tg.gateway.deps, { session, password: 'nope nope nope' })).to.equal(false);
    expect(await confirmPassword(tg.gateway.deps, { session, password: PASSWORD })).to.equal(true);
    void p;
  });

  it('refuses every POST route without a valid CSRF token (missing, another browser\'s or session\'s) or from another origin', async () => {
    await seedPartner(ctx.store, { email: 'csrf2@example.test' });
    const anon = newBrowser();
    await anon.request('GET', `${tg.url}/sso/forgot`);
    const someoneElse = newBrowser();
    const someoneElsesToken = csrfIn((await someoneElse.request('GET', `${tg.url}/sso/forgot`)).text);
    for (const path of ['/sso/sign-in', '/sso/forgot', '/sso/reset', '/sso/set-password']) {
      expect((await anon.request('POST', `${tg.url}${path}`, { email: 'csrf2@example.test', token: 'x' })).status, `${path} without token`).to.equal(403);
      expect((await anon.request('POST', `${tg.url}${path}`, { _csrf: someoneElsesToken, email: 'csrf2@example.test', password: PASSWORD })).status, `${path} another browser's token`).to.equal(403);
      const page = await anon.request('GET', `${tg.url}/sso/forgot`);
      expect((await anon.request('POST', `${tg.url}${path}`, { _csrf: csrfIn(page.text), email: 'csrf2@example.test' }, { origin: 'https://evil.example' })).status, `${path} cross-origin`).to.equal(403);
    }
    const a = newBrowser();
    const other = newBrowser();
    await signInWithForm(a, tg.url, 'csrf2@example.test');
    await signInWithForm(other, tg.url, 'csrf2@example.test');
    const otherToken = csrfIn((await other.request('GET', `${tg.url}/sso/password`)).text);
    for (const path of ['/sso/password', '/sso/confirm', '/sso/two-factor', '/sso/two-factor/setup', '/sso/two-factor/disable', '/sso/sign-out']) {
      expect((await a.request('POST', `${tg.url}${path}`, { current_password: PASSWORD, password: PASSWORD, new_password: NEW_PASSWORD })).status, `${path} without token`).to.equal(403);
      expect((await a.request('POST', `${tg.url}${path}`, { _csrf: otherToken, current_password: PASSWORD, password: PASSWORD, new_password: NEW_PASSWORD })).status, `${path} other session's token`).to.equal(403);
      const own = csrfIn((await a.request('GET', `${tg.url}/sso/password`)).text);
      expect((await a.request('POST', `${tg.url}${path}`, { _csrf: own, current_password: PASSWORD, new_password: NEW_PASSWORD }, { origin: 'https://evil.example' })).status, `${path} cross-origin`).to.equal(403);
    }
    expect(sink.messages).to.have.length(0);
    expect((await signInWithForm(newBrowser(), tg.url, 'csrf2@example.test', PASSWORD)).status, 'password unchanged').to.equal(303);
  });

  it('a refused recipient (550) fails the email for good without changing the answer', async () => {
    await seedPartner(ctx.store, { email: 'bounce@bounce.test' });
    sink.refuseRecipients(/@bounce\.test$/);
    try {
      const res = await requestReset('bounce@bounce.test');
      expect(res.status).to.equal(200);
      const row = await ctx.store.db.selectFrom('email_outbox').select(['status', 'last_error']).executeTakeFirstOrThrow();
      expect(row.status).to.equal('failed');
      expect(sink.messages).to.have.length(0);
    } finally {
      sink.refuseRecipients(null);
    }
  });
});
