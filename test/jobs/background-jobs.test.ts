/**
 * The gateway's own background work: queued email is sent over SMTP by the running gateway, once, even with
 * two gateway instances on one store racing for the same rows.
 */
import { expect } from 'chai';
import { queueEmail } from '../../src/mail/index.js';
import { useTestGateway } from '../support/gateway.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { forEachStore } from '../support/store.js';

forEachStore('background jobs', (ctx) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  // Two gateways on one store, started after the sink (hooks run in registration order) and closed before it.
  const gateways = [0, 1].map(() => useTestGateway(() => ctx.store, () => ({ PARTNERGATE_SMTP_URL: sink.url }), { backgroundJobs: { emailEveryMs: 50 } }));
  after(async () => {
    await sink.close();
  });

  it('sends every queued email exactly once, whichever of two gateways gets to it', async () => {
    const addresses = Array.from({ length: 12 }, (_, i) => `jobs${i}-${ctx.kind}@example.test`);
    for (const to of addresses) {
      await queueEmail(ctx.store.db, gateways[0]!.config.dataKeys, { idempotencyKey: `jobs-test:${to}`, to, template: 'password-reset', params: { resetUrl: 'http://x.test/sso/reset?token=abc', expiresMinutes: 60 } });
    }
    for (const to of addresses) await sink.waitForMessage(to, { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive within a few ticks
    for (const to of addresses) expect(sink.messagesTo(to), to).to.have.length(1);
    const rows = await ctx.store.db.selectFrom('email_outbox').select(['status']).where('idempotency_key', 'like', 'jobs-test:%').execute();
    expect(rows.map((r) => r.status)).to.deep.equal(addresses.map(() => 'sent'));
  });

  it('queues one email per idempotency key, however often it is asked', async () => {
    const to = `once-${ctx.kind}@example.test`;
    const first = await queueEmail(ctx.store.db, gateways[0]!.config.dataKeys, { idempotencyKey: `jobs-once:${to}`, to, template: 'password-reset', params: { resetUrl: 'http://x.test/a', expiresMinutes: 60 } });
    const second = await queueEmail(ctx.store.db, gateways[0]!.config.dataKeys, { idempotencyKey: `jobs-once:${to}`, to, template: 'password-reset', params: { resetUrl: 'http://x.test/b', expiresMinutes: 60 } });
    expect([first, second]).to.deep.equal([true, false]);
    const msg = await sink.waitForMessage(to, { timeoutMs: 15_000 });
    expect(msg.text).to.contain('http://x.test/a');
  });
});
