/**
 * Settings on both stores, end to end through a real SMTP sink: the PayPal email change (password or fresh OIDC
 * sign-in, link to the new address, notice to the old one, audit rows, Ontraport write-back in the same
 * transaction), the sign-in email change, time zone, the password form wired to /sso/password, and CSRF on
 * every POST.
 */
import { expect } from 'chai';
import request from 'supertest';
import { sha256 } from '../../src/common/index.js';
import { verifyPassword } from '../../src/accounts/index.js';
import { forEachStore } from '../support/store.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { FIXED_NOW, PASSWORD_A, seedPartnerCenter, testId, type Fixture } from './fixture.js';
import { decode, flash, getPage } from './helpers.js';
import { expectAllHeld } from '../adversarial/support.js';

forEachStore('partner center settings', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let sink: SmtpSink;
  let a: SignedIn;
  let b: SignedIn;
  let clock = FIXED_NOW;

  before(async () => {
    sink = await startSmtpSink();
    fx = await seedPartnerCenter(ctx.store);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_TOKEN_TTL_MINUTES: '30' }, { now: () => clock });
    a = await signInAs(tg, fx.a.id);
    b = await signInAs(tg, fx.b.id);
  });
  after(async () => {
    await tg?.close();
    await sink?.close();
  });

  const post = (who: SignedIn, path: string, form: Record<string, string>) =>
    request(tg.url).post(path).set('Cookie', who.cookie).set('Origin', tg.url).type('form').send({ _csrf: who.csrfToken, ...form }).redirects(0);
  const db = () => ctx.store.db;
  const paypalOf = async (id: number) => (await db().selectFrom('partners').select('paypal_email').where('id', '=', id).executeTakeFirstOrThrow()).paypal_email;
  const audits = async (action: string) => db().selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

  it('shows the current PayPal email, sign-in email and time zone', async () => {
    const res = await getPage(tg, a.cookie, '/partner-center/settings');
    expect(res.status).to.equal(200);
    expect(testId(res.text, 'paypal-current')).to.equal(fx.a.paypal);
    expect(testId(res.text, 'login-current')).to.equal(fx.a.email);
    expect(testId(res.text, 'tz-current')).to.equal('America/New_York');
    expect(res.text).to.match(/<option value="Europe\/Paris">Europe\/Paris<\/option>/);
    expect(res.text).to.match(/<option value="America\/New_York" selected>/);
    expect(res.text).to.contain('action="/sso/password"');
  });

  describe('CSRF on every POST', () => {
    const forms: Array<[string, Record<string, string>]> = [
      ['/partner-center/settings/paypal', { paypal_email: 'x@example.com', current_password: PASSWORD_A }],
      ['/partner-center/settings/paypal/confirm', { token: 'x' }],
      ['/partner-center/settings/email', { login_email: 'x@example.com', current_password: PASSWORD_A }],
      ['/partner-center/settings/email/confirm', { token: 'x' }],
      ['/partner-center/settings/time-zone', { time_zone: 'Europe/Paris' }],
    ];
    for (const [path, form] of forms) {
      it(`refuses ${path} without the token, with B's token, and from another site`, async () => {
        const none = await request(tg.url).post(path).set('Cookie', a.cookie).set('Origin', tg.url).type('form').send(form).redirects(0);
        expect(none.status).to.equal(403);
        const other = await request(tg.url).post(path).set('Cookie', a.cookie).set('Origin', tg.url).type('form').send({ ...form, _csrf: b.csrfToken }).redirects(0);
        expect(other.status).to.equal(403);
        const site = await request(tg.url).post(path).set('Cookie', a.cookie).set('Origin', 'https://evil.example.net').type('form').send({ ...form, _csrf: a.csrfToken }).redirects(0);
        expect(site.status).to.equal(403);
        expect(await paypalOf(fx.a.id)).to.equal(fx.a.paypal);
        expect((await db().selectFrom('partners').select('time_zone').where('id', '=', fx.a.id).executeTakeFirstOrThrow()).time_zone).to.equal('America/New_York');
      });
    }
  });

  describe('PayPal email change', () => {
    const NEW = 'ada.new-paypal@example.org';
    let link = '';

    it('refuses a malformed address, the current address and a wrong password, changing nothing', async () => {
      for (const [form, status, message] of [
        [{ paypal_email: 'not an email', current_password: PASSWORD_A }, 400, /New PayPal email: enter an address like name@example.com/],
        [{ paypal_email: 'ada@localhost', current_password: PASSWORD_A }, 400, /New PayPal email: enter an address/],
        [{ paypal_email: 'ADA.PAY@example.com', current_password: PASSWORD_A }, 400, /already your PayPal email/],
        [{ paypal_email: NEW }, 403, /Current password: enter your current password/],
        [{ paypal_email: NEW, current_password: 'wrong password!' }, 403, /that is not your current password/],
      ] as const) {
        const res = await post(a, '/partner-center/settings/paypal', form);
        expect(res.status, JSON.stringify(form)).to.equal(status);
        expect(flash(res.text)).to.match(message);
        expect(res.text, 'the rest of the page still works').to.contain('data-testid="tz-current"');
      }
      expect(await db().selectFrom('one_time_tokens').select('id').where('purpose', '=', 'paypal_confirm').execute()).to.have.length(0);
      expect(await db().selectFrom('email_outbox').select('id').execute()).to.have.length(0);
      expect(await paypalOf(fx.a.id)).to.equal(fx.a.paypal);
    });

    it('with the password: stores a hashed, expiring token, emails the new address and notifies the old one', async () => {
      const res = await post(a, '/partner-center/settings/paypal', { paypal_email: NEW, current_password: PASSWORD_A });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/partner-center/settings?done=paypal-sent');
      link = await sink.waitForLink(NEW, '/partner-center/settings/paypal/confirm?token=', { subject: /Confirm your new PayPal email/ });
      const token = new URL(link).searchParams.get('token')!;
      const rows = await db().selectFrom('one_time_tokens').selectAll().where('purpose', '=', 'paypal_confirm').execute();
      expect(rows).to.have.length(1);
      expect(rows[0]!.token_hash).to.equal(sha256(token)).and.not.equal(token);
      expect(rows[0]!.expires_at).to.equal(clock + 30 * 60_000);
      expect(rows[0]!.account_id).to.equal(fx.a.accountId);
      const notice = await sink.waitForMessage(fx.a.paypal, { subject: /change of your PayPal email was requested/ });
      expect(notice.text).to.contain('a***@example.org').and.not.contain(NEW);
      expect(await paypalOf(fx.a.id)).to.equal(fx.a.paypal);
      expect(await audits('partner.paypal_change_requested')).to.have.length(1);
      const page = await getPage(tg, a.cookie, '/partner-center/settings?done=paypal-sent');
      expect(flash(page.text)).to.contain('We sent a confirmation link');
      expect(testId(page.text, 'paypal-pending')).to.contain(NEW);
    });

    it('the link does nothing for partner B, nor on GET', async () => {
      const path = new URL(link).pathname + new URL(link).search;
      const asB = await getPage(tg, b.cookie, path);
      expect(asB.status).to.equal(400);
      const postB = await post(b, '/partner-center/settings/paypal/confirm', { token: new URL(link).searchParams.get('token')! });
      expect(postB.status).to.equal(400);
      expect(await paypalOf(fx.b.id)).to.equal(fx.b.paypal);
      const asA = await getPage(tg, a.cookie, path);
      expect(asA.status).to.equal(200);
      expect(testId(asA.text, 'confirm-new-value')).to.equal(NEW);
      expect(await paypalOf(fx.a.id)).to.equal(fx.a.paypal);
    });

    it('confirming applies it once, with audit row, notice and the Ontraport write-back', async () => {
      const token = new URL(link).searchParams.get('token')!;
      const res = await post(a, '/partner-center/settings/paypal/confirm', { token });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/partner-center/settings?done=paypal-changed');
      expect(await paypalOf(fx.a.id)).to.equal(NEW);
      const outbox = await db().selectFrom('ontraport_outbox').selectAll().execute();
      expect(outbox).to.have.length(1);
      expect(Number(outbox[0]!.record_id)).to.equal(9001);
      expect(outbox[0]!.object_type).to.equal(0);
      expect(JSON.parse(outbox[0]!.fields_json)).to.deep.equal({ aff_paypal: NEW });
      const [audit] = await audits('partner.paypal_changed');
      expect(audit!.partner_id).to.equal(fx.a.id);
      expect(JSON.parse(audit!.details_json!)).to.include({ from: fx.a.paypal, to: NEW });
      await sink.waitForMessage(fx.a.paypal, { subject: /Your PayPal email was changed/ });
      const again = await post(a, '/partner-center/settings/paypal/confirm', { token });
      expect(again.status).to.equal(400);
      expect(flash(again.text)).to.match(/expired, was already used/);
      expect(await db().selectFrom('ontraport_outbox').select('id').execute()).to.have.length(1);
    });

    it('a newer request retires the older link, and a link expires', async () => {
      const first = 'first.choice@example.com';
      const second = 'second.choice@example.com';
      await post(a, '/partner-center/settings/paypal', { paypal_email: first, current_password: PASSWORD_A });
      const firstLink = await sink.waitForLink(first, 'paypal/confirm?token=');
      await post(a, '/partner-center/settings/paypal', { paypal_email: second, current_password: PASSWORD_A });
      const secondLink = await sink.waitForLink(second, 'paypal/confirm?token=');
      const old = await post(a, '/partner-center/settings/paypal/confirm', { token: new URL(firstLink).searchParams.get('token')! });
      expect(old.status).to.equal(400);
      clock += 31 * 60_000;
      try {
        const late = await post(a, '/partner-center/settings/paypal/confirm', { token: new URL(secondLink).searchParams.get('token')! });
        expect(late.status).to.equal(400);
      } finally {
        clock -= 31 * 60_000;
      }
      expect(await paypalOf(fx.a.id)).to.equal(NEW);
    });

    it('an OIDC session signed in less than 5 minutes ago needs no password; an older one does', async () => {
      const idHash = sha256(a.cookieValue);
      await db().updateTable('sessions').set({ auth_method: 'oidc', reauth_at: clock - 4 * 60_000 }).where('id_hash', '=', idHash).execute();
      try {
        const page = await getPage(tg, a.cookie, '/partner-center/settings');
        expect(page.text).to.contain('a moment ago, so no password is needed');
        const fresh = await post(a, '/partner-center/settings/paypal', { paypal_email: 'oidc.fresh@example.com' });
        expect(fresh.status).to.equal(303);
        await db().updateTable('sessions').set({ reauth_at: clock - 6 * 60_000 }).where('id_hash', '=', idHash).execute();
        const stale = await post(a, '/partner-center/settings/paypal', { paypal_email: 'oidc.stale@example.com' });
        expect(stale.status).to.equal(403);
      } finally {
        await db().updateTable('sessions').set({ auth_method: 'password', reauth_at: clock }).where('id_hash', '=', idHash).execute();
      }
    });
  });

  describe('sign-in email change', () => {
    it('an address another account signs in with gets the answer a free one gets (no account oracle), and no link', async () => {
      const taken = await post(a, '/partner-center/settings/email', { login_email: 'BOB@example.com', current_password: PASSWORD_A });
      const takenPage = await getPage(tg, a.cookie, '/partner-center/settings?done=email-sent');
      const owner = await sink.waitForMessage('bob@example.com', { subject: /Your address was entered/ });
      const notice = await sink.waitForMessage(fx.a.email, { subject: /sign-in email was requested/ });
      const free = await post(a, '/partner-center/settings/email', { login_email: 'nobody.yet@example.net', current_password: PASSWORD_A });
      const freePage = await getPage(tg, a.cookie, '/partner-center/settings?done=email-sent');
      const beforeWrongPassword = await post(a, '/partner-center/settings/email', { login_email: 'BOB@example.com', current_password: 'not the password' });
      const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '').replace(/bob@example\.com|nobody\.yet@example\.net/gi, 'ADDRESS');
      expectAllHeld('account enumeration', [
        { name: 'login email taken: same status and redirect as a free address', held: taken.status === 303 && taken.status === free.status && taken.headers.location === free.headers.location, why: `${taken.status} ${taken.headers.location}` },
        { name: 'login email taken: same settings page (pending change shown)', held: strip(takenPage.text) === strip(freePage.text) && testId(takenPage.text, 'login-pending')?.includes('bob@example.com') === true, why: testId(takenPage.text, 'login-pending') },
        { name: 'login email taken: the owner of the address gets no confirmation link', held: !owner.text.includes('/settings/email/confirm') && !owner.text.includes('token='), why: owner.text.slice(0, 120) },
        { name: 'login email taken: the requester\'s notice is the usual one', held: notice.text.includes('b***@example.com'), why: notice.text.slice(0, 120) },
        { name: 'login email taken: a wrong password is told before anything about the address', held: beforeWrongPassword.status !== 303 && !/another account/i.test(beforeWrongPassword.text), why: String(beforeWrongPassword.status) },
      ]);
      const account = await db().selectFrom('accounts').select('email').where('id', '=', fx.a.accountId).executeTakeFirstOrThrow();
      expect(account.email).to.equal(fx.a.email);
    });

    it('confirmation emails to one new address are rate-limited (429 with Retry-After); another address still works', async () => {
      const FLOOD = 'flood.target@example.org';
      const answers: number[] = [];
      for (let i = 0; i < 4; i++) answers.push((await post(b, '/partner-center/settings/paypal', { paypal_email: FLOOD, current_password: 'bob password 123' })).status);
      const refused = await post(b, '/partner-center/settings/paypal', { paypal_email: FLOOD, current_password: 'bob password 123' });
      const other = await post(b, '/partner-center/settings/paypal', { paypal_email: 'bob.other.pay@example.org', current_password: 'bob password 123' });
      const confirmations = await db().selectFrom('email_outbox').select('id').where('to_address', '=', FLOOD).execute();
      expectAllHeld('account enumeration', [
        { name: 'confirmations to one address: the first 3 sent', held: answers.slice(0, 3).every((s) => s === 303), why: answers.join(',') },
        { name: 'confirmations to one address: the 4th refused with 429', held: answers[3] === 429 && refused.status === 429 && /^\d+$/.test(String(refused.headers['retry-after'])), why: `${answers[3]} ${refused.status} ${refused.headers['retry-after']}` },
        { name: 'confirmations to one address: 3 emails queued, no more', held: confirmations.length === 3, why: String(confirmations.length) },
        { name: 'another address is not held back', held: other.status === 303, why: String(other.status) },
      ]);
    });

    it('is confirmed from the new address and then signs in with it', async () => {
      const NEW = 'ada.lovelace@example.net';
      const res = await post(a, '/partner-center/settings/email', { login_email: NEW, current_password: PASSWORD_A });
      expect(res.status).to.equal(303);
      const link = await sink.waitForLink(NEW, '/partner-center/settings/email/confirm?token=');
      await sink.waitForMessage(fx.a.email, { subject: /sign-in email was requested/ });
      const confirm = await post(a, '/partner-center/settings/email/confirm', { token: new URL(link).searchParams.get('token')! });
      expect(confirm.status).to.equal(303);
      const account = await db().selectFrom('accounts').select('email').where('id', '=', fx.a.accountId).executeTakeFirstOrThrow();
      expect(account.email).to.equal(NEW);
      expect(await audits('partner.login_email_changed')).to.have.length(1);
      // A PayPal link cannot be used on the sign-in email route and the reverse.
      const wrongRoute = await post(a, '/partner-center/settings/paypal/confirm', { token: new URL(link).searchParams.get('token')! });
      expect(wrongRoute.status).to.equal(400);
    });
  });

  describe('time zone', () => {
    it('saves an IANA zone, refuses an unknown one, and goes back to the default', async () => {
      const ok = await post(a, '/partner-center/settings/time-zone', { time_zone: 'Europe/Paris' });
      expect(ok.status).to.equal(303);
      expect(ok.headers.location).to.equal('/partner-center/settings?done=time-zone-changed');
      const page = await getPage(tg, a.cookie, '/partner-center/settings?done=time-zone-changed');
      expect(testId(page.text, 'tz-current')).to.equal('Europe/Paris');
      const bad = await post(a, '/partner-center/settings/time-zone', { time_zone: 'Mars/Olympus_Mons' });
      expect(bad.status).to.equal(400);
      expect(flash(bad.text)).to.equal('Time zone: choose one from the list.');
      const reset = await post(a, '/partner-center/settings/time-zone', { time_zone: '' });
      expect(reset.status).to.equal(303);
      const row = await db().selectFrom('partners').select('time_zone').where('id', '=', fx.a.id).executeTakeFirstOrThrow();
      expect(row.time_zone).to.equal(null);
      expect(await audits('partner.time_zone_changed')).to.have.length(2);
    });
  });

  describe('password', () => {
    it('the form on the settings page changes the password through /sso/password and comes back', async () => {
      const res = await post(b, '/sso/password', { current_password: 'bob password 123', new_password: 'a much longer new password', new_password_confirm: 'a much longer new password', rd: '/partner-center/settings?done=password-changed' });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.match(/\/partner-center\/settings\?done=password-changed$/);
      expect([res.headers['set-cookie']].flat().some((c) => String(c).startsWith(`${tg.gateway.deps.cookies.session}=`))).to.equal(true);
      const account = await db().selectFrom('accounts').select('password_hash').where('id', '=', fx.b.accountId).executeTakeFirstOrThrow();
      expect(await verifyPassword(account.password_hash, 'a much longer new password')).to.equal(true);
      // The notice on coming back. (B's new cookie is stamped with this test's fixed clock, which the session
      // loader's real clock sees as expired, so the page is read as A.)
      const page = await getPage(tg, a.cookie, '/partner-center/settings?done=password-changed');
      expect(flash(page.text)).to.contain('Your password was changed');
    });
  });

  // Last (mocha runs a suite's own tests before its nested suites): this locks partner A's password checks.
  describe('throttling', () => {
  it('too many wrong passwords are throttled with a clear message', async () => {
    let last = await post(a, '/partner-center/settings/paypal', { paypal_email: 'x.y@example.com', current_password: 'nope nope nope' });
    for (let i = 0; i < 10 && last.status !== 429; i++) {
      last = await post(a, '/partner-center/settings/paypal', { paypal_email: 'x.y@example.com', current_password: 'nope nope nope' });
    }
    expect(last.status).to.equal(429);
    expect(decode(flash(last.text) ?? '')).to.match(/Too many/);
    expect(last.headers['retry-after']).to.match(/^\d+$/);
  });
  });
});
