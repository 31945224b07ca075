/**
 * Partner notifications: one outbox email per event (delivering twice queues nothing more), kinds the partner
 * turned off are never sent, the daily digest is one email a day listing the events; the choices are made on the
 * settings page through a CSRF-protected form that names a bad field.
 */
import { expect } from 'chai';
import request from 'supertest';
import { emailParams, renderEmail } from '../../src/mail/index.js';
import { deliverNotifications, recordEvents } from '../../src/notifications/index.js';
import { useTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { insertPartner, insertProgram } from '../reports/fixtures.js';

forEachStore('notifications: events become emails as the partner chose', (ctx) => {
  const tg = useTestGateway(() => ctx.store);
  let partnerId: number;
  const day = (iso: string) => () => Date.parse(iso);
  const outbox = () => ctx.store.db.selectFrom('email_outbox').select(['idempotency_key', 'to_address', 'template']).orderBy('id').execute();
  const deliver = (now: () => number) => deliverNotifications({ db: ctx.store.db, keys: tg.config.dataKeys, publicUrl: 'https://partners.example', now });
  const event = (kind: 'commission_new' | 'commission_approved' | 'payout_sent', subjectId: number, cents = 1200) =>
    recordEvents(ctx.store.db, [{ partnerId, kind, subjectId, amountCents: cents, currency: 'USD', at: Date.parse('2026-03-01T10:00:00Z') }]);

  beforeEach(async () => {
    await clearTables(ctx.store);
    partnerId = await insertPartner(ctx.store.db, { programId: await insertProgram(ctx.store.db), code: 'n1' });
    await tg.signIn(partnerId, { email: 'notify.me@partners.test' });
  });

  it('one email per event, once, to the sign-in email; an event recorded twice is one event', async () => {
    expect(await event('commission_new', 1)).to.equal(1);
    expect(await event('commission_new', 1)).to.equal(0);
    await event('payout_sent', 7, 4000);
    const first = await deliver(day('2026-03-01T12:00:00Z'));
    expect(first).to.include({ emails: 2, digests: 0 });
    await deliver(day('2026-03-01T12:05:00Z'));
    expect(await outbox()).to.deep.equal([
      { idempotency_key: 'notify:commission_new:1', to_address: 'notify.me@partners.test', template: 'partner-commission-new' },
      { idempotency_key: 'notify:payout_sent:7', to_address: 'notify.me@partners.test', template: 'partner-payout-sent' },
    ]);
  });

  it('the settings form (CSRF-protected) turns kinds off and chooses the daily digest: one email a day', async () => {
    const s = await tg.signIn(partnerId);
    const post = (body: Record<string, string>) => request(tg.url).post('/partner-center/settings/notifications').set('Cookie', s.cookie).type('form').send(body);
    const noToken = await post({ notify_payout: 'on', notify_delivery: 'daily' });
    expect(noToken.status).to.equal(403);
    const bad = await post({ _csrf: s.csrfToken, notify_payout: 'on', notify_delivery: 'hourly' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('How: choose');
    // The problem is written in the reader's language, like the rest of the page.
    const badGerman = await post({ _csrf: s.csrfToken, notify_payout: 'on', notify_delivery: 'hourly' }).set('Accept-Language', 'de');
    expect(badGerman.status).to.equal(400);
    expect(badGerman.text).to.contain('Wie: wählen Sie');
    const ok = await post({ _csrf: s.csrfToken, notify_payout: 'on', notify_approved: 'on', notify_delivery: 'daily' });
    expect(ok.status).to.equal(303);
    const page = await request(tg.url).get('/partner-center/settings').set('Cookie', s.cookie);
    expect(page.text).to.match(/data-testid="notify-new"(?![^>]*checked)/);
    expect(page.text).to.match(/checked data-testid="notify-daily"/);

    await event('commission_new', 1);
    await event('commission_approved', 2);
    await event('payout_sent', 3);
    expect(await deliver(day('2026-03-01T12:00:00Z'))).to.include({ emails: 0, digests: 1, off: 1 });
    await event('commission_approved', 4);
    expect((await deliver(day('2026-03-01T18:00:00Z'))).digests, 'a second digest the same day waits').to.equal(0);
    expect((await deliver(day('2026-03-02T00:10:00Z'))).digests).to.equal(1);
    expect(await outbox()).to.deep.equal([
      { idempotency_key: `digest:${partnerId}:2026-03-01`, to_address: 'notify.me@partners.test', template: 'partner-digest' },
      { idempotency_key: `digest:${partnerId}:2026-03-02`, to_address: 'notify.me@partners.test', template: 'partner-digest' },
    ]);
    const digest = await ctx.store.db.selectFrom('email_outbox').select('params_json').orderBy('id').executeTakeFirstOrThrow();
    const mail = renderEmail(tg.gateway.deps.views, 'partner-digest', emailParams(tg.config.dataKeys, digest.params_json));
    expect(mail.subject).to.equal('Your day at Partner Center: 2 updates');
    expect(mail.text).to.contain('- Commission approved: $12.00 (2026-03-01) https://partners.example/partner-center/commissions');
    expect(mail.text).to.contain('- Payout sent: $12.00 (2026-03-01) https://partners.example/partner-center/payouts/3');
    expect(mail.text).to.not.contain('New commission');
    const delivery = await ctx.store.db.selectFrom('partner_events').select(['event_key', 'delivery']).orderBy('id').execute();
    expect(delivery.map((d) => `${d.event_key}=${d.delivery}`)).to.deep.equal(['commission_new:1=off', 'commission_approved:2=digest', 'payout_sent:3=digest', 'commission_approved:4=digest']);
  });
});
