/**
 * Fault: the SMTP server refusing. A small SMTP server of this file's own (smtp-server, on a port it can give up
 * and take back) answers 550 (permanent), 451 (temporary) or is not there at all. Before: it delivers. During:
 * permanent refusals fail their rows at once and are never retried; temporary refusals and a dead server leave
 * the rows queued with a later next attempt; the partner-facing flows that send mail (forgot password, PayPal
 * change) still answer normally. After: the server is back on the same port, the due rows are delivered, each
 * exactly once (one message per outbox row, checked by Message-ID), and a row a crash left "sending" is not sent
 * again. Both stores.
 */
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/common/index.js';
import { createMailTransport, processEmailOutbox, queueEmail } from '../../src/mail/index.js';
import { createViews } from '../../src/views/index.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/postgres.js';
import { forEachStore } from '../support/store.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'faults: SMTP refusing';
const logger = createLogger('silent');
const views = createViews({ brand: { name: 'Partner Center', primaryColor: '#1d4ed8' } });

interface Delivered {
  to: string[];
  messageId: string;
}

/** An SMTP server on a fixed port: `mode` decides what RCPT TO gets. */
async function smtpOn(port: number, state: { mode: 'ok' | 'temp' | 'perm'; refuse: RegExp }, delivered: Delivered[]): Promise<{ close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const refuse = (code: number, text: string) => cb(Object.assign(new Error(text), { responseCode: code }));
      if (state.mode === 'temp') return refuse(451, '4.3.0 Try again later');
      if (state.mode === 'perm' && state.refuse.test(address.address)) return refuse(550, '5.1.1 Mailbox unavailable');
      cb();
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        delivered.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '' });
        cb();
      });
    },
  });
  server.listen(port, '127.0.0.1');
  await once(server.server, 'listening');
  return { close: () => new Promise((r) => server.close(() => r())) };
}

forEachStore('adversarial faults: SMTP refusing', (ctx) => {
  let port: number;
  let tg: TestGateway;
  let fx: TwoPartners;
  const delivered: Delivered[] = [];
  const state = { mode: 'ok' as 'ok' | 'temp' | 'perm', refuse: /@bounce\.test$/ };
  let server: { close(): Promise<void> } | undefined;

  before(async () => {
    port = await freePort();
    server = await smtpOn(port, state, delivered);
    fx = await seedTwoPartners(ctx.store);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_SMTP_URL: `smtp://127.0.0.1:${port}`, PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '100' });
  });
  after(async () => {
    await tg?.close();
    await server?.close();
  });

  const transport = () => createMailTransport({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Partner Center <partners@example.test>', logger });
  async function runOutbox(offsetMs = 0) {
    const t = transport();
    try {
      return await processEmailOutbox({ db: ctx.store.db, keys: tg.config.dataKeys, transport: t, views, logger }, { now: () => Date.now() + offsetMs });
    } finally {
      t.close();
    }
  }
  const queue = (key: string, to: string) => queueEmail(ctx.store.db, tg.config.dataKeys, { idempotencyKey: `${ctx.kind}:${key}`, to, template: 'password-reset', params: { resetUrl: 'https://partners.example.test/sso/reset?token=x', expiresMinutes: 60 } });
  const rows = () => ctx.store.db.selectFrom('email_outbox').selectAll().orderBy('id').execute();

  it('before, during and after refusals: permanent ones fail at once, temporary ones and a dead server wait, every row delivered at most once', async function () {
    this.timeout(90_000);
    const results: CaseResult[] = [];
    // Before: delivers.
    await queue('before', 'ok-before@example.test');
    const before = await runOutbox();
    results.push({ name: `before: delivered [${ctx.kind}]`, held: before.sent === 1 && delivered.length === 1, why: JSON.stringify(before) });

    // Permanent refusal (550) for some recipients: failed at once, never retried; the others go out.
    state.mode = 'perm';
    for (const to of ['a@bounce.test', 'b@bounce.test', 'ok-1@example.test', 'ok-2@example.test']) await queue(`perm:${to}`, to);
    const perm = await runOutbox();
    const permRows = (await rows()).filter((r) => r.idempotency_key.includes(':perm:'));
    results.push({ name: `550: refused rows failed at once, the rest sent [${ctx.kind}]`, held: perm.failed.length === 2 && perm.sent === 2 && permRows.filter((r) => r.status === 'failed').every((r) => r.to_address.endsWith('@bounce.test') && r.attempts === 1), why: JSON.stringify(perm) });

    // Temporary refusal (451): queued again for later, attempts counted.
    state.mode = 'temp';
    for (const to of ['t-1@example.test', 't-2@example.test']) await queue(`temp:${to}`, to);
    const temp = await runOutbox();
    const tempRows = (await rows()).filter((r) => r.idempotency_key.includes(':temp:'));
    results.push({ name: `451: rows stay queued with a later next attempt [${ctx.kind}]`, held: temp.retrying === 2 && tempRows.every((r) => r.status === 'queued' && r.attempts === 1 && r.next_attempt_at > Date.now()), why: JSON.stringify(temp) });

    // The server gone (connection refused): partner flows still answer, their mail waits in the outbox.
    await server!.close();
    server = undefined;
    const s = await signInAs(tg, fx.a.partnerId);
    const paypal = await fetch(`${tg.url}/partner-center/settings/paypal`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: s.cookie, origin: tg.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken, paypal_email: 'alice.new.pay@example.test', current_password: fx.a.password }),
    });
    const page = await fetch(`${tg.url}/sso/forgot`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const preCookie = page.headers.getSetCookie().find((c) => c.startsWith('pg_csrf='))!.split(';')[0]!;
    const forgot = await fetch(`${tg.url}/sso/forgot`, { method: 'POST', headers: { cookie: preCookie, origin: tg.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, email: fx.b.email }) });
    results.push({ name: `SMTP down: the PayPal change is still accepted (303) [${ctx.kind}]`, held: paypal.status === 303, why: `status ${paypal.status}` });
    results.push({ name: `SMTP down: forgot-password answers 200 [${ctx.kind}]`, held: forgot.status === 200, why: `status ${forgot.status}` });
    // The forgot-password work happens after the reply: wait until its row exists.
    for (let i = 0; i < 50 && !(await rows()).some((r) => r.template === 'password-reset' && r.to_address === fx.b.email); i++) await new Promise((r) => setTimeout(r, 100));
    const down = await runOutbox(10 * 60_000);
    results.push({ name: `SMTP down: nothing lost, every due row waits for a retry [${ctx.kind}]`, held: down.sent === 0 && down.failed.length === 0 && down.retrying >= 5, why: JSON.stringify(down) });

    // A row a crash left in "sending" (SMTP may or may not have taken it): never sent again automatically.
    await queue('crashed', 'crashed@example.test');
    await ctx.store.db.updateTable('email_outbox').set({ status: 'sending', attempts: 1, next_attempt_at: Date.now() - 20 * 60_000 }).where('idempotency_key', '=', `${ctx.kind}:crashed`).execute();

    // After: the server is back on the same port; the due rows go out, each once.
    state.mode = 'ok';
    server = await smtpOn(port, state, delivered);
    const afterRun = await runOutbox(60 * 60_000);
    const again = await runOutbox(2 * 60 * 60_000);
    const all = await rows();
    const ids = delivered.map((d) => d.messageId);
    const dupIds = ids.filter((id, i) => ids.indexOf(id) !== i);
    const expectedRecipients = all.filter((r) => r.status === 'sent').map((r) => r.to_address.toLowerCase()).sort();
    results.push(
      { name: `after: every waiting row delivered [${ctx.kind}]`, held: afterRun.sent >= 5 && all.filter((r) => r.status === 'queued').length === 0, why: JSON.stringify(afterRun) },
      { name: `after: a second run sends nothing [${ctx.kind}]`, held: again.sent === 0, why: JSON.stringify(again) },
      { name: `after: no message delivered twice (Message-ID) [${ctx.kind}]`, held: dupIds.length === 0, why: dupIds.join(', ') },
      { name: `after: one delivery per sent row, none for failed rows [${ctx.kind}]`, held: JSON.stringify(delivered.flatMap((d) => d.to).sort()) === JSON.stringify(expectedRecipients), why: `${delivered.length} delivered, ${expectedRecipients.length} sent rows` },
      { name: `after: the row left "sending" by a crash is failed as interrupted, not resent [${ctx.kind}]`, held: all.find((r) => r.idempotency_key === `${ctx.kind}:crashed`)?.status === 'failed' && !delivered.some((d) => d.to.includes('crashed@example.test')), why: JSON.stringify(all.find((r) => r.idempotency_key === `${ctx.kind}:crashed`)) },
      { name: `after: permanent failures stayed failed [${ctx.kind}]`, held: all.filter((r) => r.to_address.endsWith('@bounce.test')).every((r) => r.status === 'failed') && !delivered.some((d) => d.to.some((t) => t.endsWith('@bounce.test'))), why: 'a bounced address was retried' },
    );
    expectAllHeld(CLASS, results);
  });
});
