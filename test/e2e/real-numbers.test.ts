/**
 * Every figure from a real source, end to end, on an empty store (no demo data): the Ontraport emulator as the
 * account, the real WordPress behind the gateway, the SMTP sink as the mail relay.
 * - A visitor follows a partner's link: 1 click; the same visitor again the same day: still 1; a crawler: 0.
 * - A sale synced from Ontraport: a commission and an email; its approval: an email and a balance.
 * - Ontraport marks it paid: a payout row, a payment in the ledger, the balance drops, a payout email.
 * - A MassPay run confirmed from PayPal's result file: the payout is recorded once, even when confirmed twice.
 * The sync, the notifier and the outbox are the functions the gateway's background jobs run, called in turn.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/common/index.js';
import { processEmailOutbox } from '../../src/mail/index.js';
import { deliverNotifications } from '../../src/notifications/index.js';
import { runSync } from '../../src/ontraport/index.js';
import { confirmMasspay } from '../../src/payouts/index.js';
import { massPayExport } from '../../src/reports/index.js';
import { startTestGateway, signInAs, type TestGateway } from '../support/gateway.js';
import { OntraportEmulator } from '../support/ontraport-emulator.js';
import { commissionKindCodes, commissionStatusCodes, purchaseStatusCodes } from '../support/ontraport-emulator/schema.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { clientFor } from '../ontraport/support.js';
import { CookieJar, send } from '../proxy/http.js';
import { PAGE_LOAD } from '../tracking/browser.js';
import { testId } from '../web/fixture.js';

const PARTNER_EMAIL = 'ann.partner@partners.test';

describe('e2e: every number a partner sees comes from a real source', function () {
  this.timeout(180_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let emu: OntraportEmulator;
  let sink: SmtpSink;
  let partnerContact: number;
  let partnerId: number;

  const logger = createLogger('silent');
  const count = async (table: 'payouts' | 'commissions' | 'visits' | 'contacts' | 'partners' | 'partner_events') =>
    Number((await ts.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  /** What the gateway's jobs do on a tick: sync, queue the notifications, send the outbox. */
  async function tick(): Promise<void> {
    const client = clientFor(emu);
    try {
      const summary = await runSync({ store: ts.store, client, logger }, { defaultCurrency: 'USD' });
      expect(summary.ok, JSON.stringify(summary.objects.filter((o) => o.status !== 'ok'))).to.equal(true);
      for (const o of summary.objects) expect(o.skipped, `${o.object} skipped ${JSON.stringify(o.skippedRecords)}`).to.equal(0);
    } finally {
      client.close();
    }
    await sendNotifications();
  }

  async function sendNotifications(): Promise<void> {
    const deps = gw.gateway.deps;
    await deliverNotifications({ db: ts.store.db, keys: deps.config.dataKeys, publicUrl: deps.config.publicUrl, now: Date.now });
    const sent = await processEmailOutbox({ db: ts.store.db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger });
    expect(sent.failed, 'no email failed').to.deep.equal([]);
  }

  async function page(path: string): Promise<string> {
    const { cookie } = await signInAs(gw, partnerId, { email: PARTNER_EMAIL });
    const res = await send(`${gw.url}${path}`, { headers: [['Cookie', cookie]] });
    expect(res.status, path).to.equal(200);
    return res.text;
  }

  const subjects = () => sink.messagesTo(PARTNER_EMAIL).map((m) => m.subject);

  before(async () => {
    [wp, sink, emu] = await Promise.all([startWordPress(), startSmtpSink(), new OntraportEmulator({ rateLimit: 100_000 }).start()]);
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, wp.gatewayEnv({ PARTNERGATE_SMTP_URL: sink.url }));
  });
  after(async () => {
    await gw?.close();
    await ts?.dispose();
    await emu?.stop();
    await sink?.close();
  });

  it('starts from an empty store', async () => {
    for (const table of ['visits', 'commissions', 'contacts', 'partners', 'payouts'] as const) expect(await count(table), table).to.equal(0);
  });

  it('a partner synced from Ontraport gets 1 click per visitor and day, none for a crawler', async () => {
    const program = emu.insert(35, { name: 'Affiliates', currency: 'USD', commission_rate: '10', level2_rate: '0' });
    const contact = emu.insert(0, { firstname: 'Ann', lastname: 'Partner', email: 'ann@contacts.test', freferrer: 0, lreferrer: 0, program_id: program.id, aff_paypal: 'ann@paypal.test' });
    partnerContact = Number(contact.id);
    emu.insert(36, { contact_id: contact.id, program_id: program.id, status: '1' });
    emu.insert(16, { name: 'Course', price: '120.00', sku: 'C-1' });
    await tick();
    partnerId = (await ts.store.db.selectFrom('partners').select('id').where('referral_code', '=', String(partnerContact)).executeTakeFirstOrThrow()).id;

    const link = testId(await page('/partner-center/links'), 'referral-link');
    expect(link).to.equal(`${gw.url}/?orid=${partnerContact}`);
    const jar = new CookieJar();
    expect((await send(link, { jar, headers: PAGE_LOAD })).status).to.equal(200);
    expect((await send(link, { jar, headers: PAGE_LOAD })).status).to.equal(200);
    const crawler = await send(link, { headers: [['User-Agent', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)']] });
    expect(crawler.status).to.equal(200);
    await gw.gateway.clicks!.flush();
    expect(testId(await page('/partner-center/'), 'clicks')).to.equal('1');
    expect(await count('visits')).to.equal(1);
  });

  it('a sale synced from Ontraport is a commission and an email; its approval an email and a balance', async () => {
    const customer = emu.insert(0, { firstname: 'Cy', lastname: 'Customer', email: 'cy@customers.test', freferrer: partnerContact, lreferrer: partnerContact, program_id: 0, aff_paypal: null });
    const product = emu.all(16)[0]!;
    const purchase = emu.insert(17, {
      contact_id: customer.id, product_id: product.id, affiliate_id: partnerContact, oprid: partnerContact, price: '120.00', quantity: 1, total_price: '120.00',
      status: purchaseStatusCodes.paid, order_id: 5001, subscription_id: 0, level1: '12.00', level2: '0.00',
    });
    const program = emu.all(35)[0]!;
    const sale = emu.insert(38, {
      partner_id: partnerContact, contact_id: customer.id, program_id: program.id, product_id: product.id, purchase_id: purchase.id, promo_id: 0, sid: null,
      type: commissionKindCodes.sale, status: commissionStatusCodes.pending, amount: '12.00', currency: 'USD', date: emu.nowSeconds(), date_processed: 0, date_paid: 0,
    });
    await tick();
    expect(await count('commissions')).to.equal(1);
    expect(subjects()).to.deep.equal(['New commission: $12.00 at Partner Center']);
    expect(testId(await page('/partner-center/'), 'balance')).to.equal('$0.00');

    emu.update(38, Number(sale.id), { status: commissionStatusCodes.approved, date_processed: emu.nowSeconds() });
    await tick();
    await tick(); // a re-sync sends nothing again
    expect(subjects()).to.deep.equal(['New commission: $12.00 at Partner Center', 'Commission approved: $12.00 at Partner Center']);
    expect(testId(await page('/partner-center/'), 'balance')).to.equal('$12.00');
  });

  it('paid in Ontraport: a payout row, a ledger payment, the balance drops, a payout email', async () => {
    const sale = emu.all(38)[0]!;
    emu.update(38, Number(sale.id), { status: commissionStatusCodes.paid, date_paid: emu.nowSeconds() });
    await tick();
    await tick();
    const payouts = await ts.store.db.selectFrom('payouts').selectAll().execute();
    expect(payouts.map((p) => [p.partner_id, Number(p.amount_cents), p.currency, p.source])).to.deep.equal([[partnerId, 1200, 'USD', 'ontraport']]);
    const linked = await ts.store.db.selectFrom('commissions').select('payout_id').execute();
    expect(linked.map((c) => c.payout_id)).to.deep.equal([payouts[0]!.id]);

    const earnings = await page('/partner-center/earnings');
    expect(testId(earnings, 'ledger-payments')).to.equal('-$12.00');
    expect(testId(earnings, 'closing')).to.equal('$0.00');
    expect(testId(await page('/partner-center/'), 'balance')).to.equal('$0.00');
    expect(subjects().at(-1)).to.equal('Payout sent: $12.00 from Partner Center');
    const payoutMail = sink.messagesTo(PARTNER_EMAIL).at(-1)!;
    expect(payoutMail.text).to.contain(`A payout of $12.00 was sent to you on ${new Date().toISOString().slice(0, 10)}.`);
    expect(payoutMail.text).to.contain(`/partner-center/payouts/${payouts[0]!.id}`);
    expect(subjects()).to.have.length(3);
    const payments = await page('/partner-center/exports/payments.csv');
    expect(payments.split(/\r?\n/).filter((l) => l.includes(`${payouts[0]!.id},`) && l.includes('12.00'))).to.have.length(1);
    const statement = await page(`/partner-center/payouts/${payouts[0]!.id}`);
    expect(testId(statement, 'payout-amount')).to.equal('$12.00');
    expect(testId(statement, 'statement-count')).to.equal('1');
  });

  it('MassPay confirmed from PayPal\'s result file: recorded once, even when confirmed twice', async () => {
    const customer = emu.all(0).find((c) => c.email === 'cy@customers.test')!;
    const program = emu.all(35)[0]!;
    emu.insert(38, {
      partner_id: partnerContact, contact_id: customer.id, program_id: program.id, product_id: 0, purchase_id: 0, promo_id: 0, sid: null,
      type: commissionKindCodes.sale, status: commissionStatusCodes.approved, amount: '30.00', currency: 'USD', date: emu.nowSeconds(), date_processed: emu.nowSeconds(), date_paid: 0,
    });
    await tick();
    expect(testId(await page('/partner-center/'), 'balance')).to.equal('$30.00');

    const chunks: Buffer[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
    const summary = await massPayExport(ts.store.db, { threshold: 100, currency: 'USD' }, out);
    const line = Buffer.concat(chunks).toString('utf8').trim();
    expect(summary.payees).to.equal(1);
    const [email, amount, currency, uniqueId] = line.split(',');
    expect([email, amount, currency]).to.deep.equal(['ann@paypal.test', '30.00', 'USD']);

    const result = `Transaction ID,Recipient,Amount,Currency,Status,Unique ID\r\n9XJ12345AB,${email},${amount},${currency},Completed,${uniqueId}\r\n`;
    const first = await confirmMasspay(ts.store.db, { file: result, actor: { accountId: null } });
    const second = await confirmMasspay(ts.store.db, { file: result, actor: { accountId: null } });
    expect(first.recorded.map((r) => [r.partnerId, r.amountCents, r.transactionId])).to.deep.equal([[partnerId, 3000, '9XJ12345AB']]);
    expect(second.recorded).to.deep.equal([]);
    expect(second.alreadyRecorded.map((r) => r.partnerId)).to.deep.equal([partnerId]);
    const masspay = await ts.store.db.selectFrom('payouts').selectAll().where('source', '=', 'masspay').execute();
    expect(masspay.map((p) => [Number(p.amount_cents), p.reference])).to.deep.equal([[3000, '9XJ12345AB']]);
    expect(await count('payouts')).to.equal(2);

    await sendNotifications();
    await sendNotifications();
    expect(subjects().filter((s) => s.startsWith('Payout sent'))).to.deep.equal(['Payout sent: $12.00 from Partner Center', 'Payout sent: $30.00 from Partner Center']);
    const dashboard = await page('/partner-center/');
    expect(['balance', 'approved', 'paid'].map((id) => testId(dashboard, id))).to.deep.equal(['$0.00', '$0.00', '$42.00']);

    // Ontraport is then told "pay partner": the sync sees the commission paid and makes no second payout.
    const approved = emu.all(38).find((c) => c.amount === '30.00')!;
    emu.update(38, Number(approved.id), { status: commissionStatusCodes.paid, date_paid: emu.nowSeconds() });
    await tick();
    expect(await count('payouts')).to.equal(2);
  });

  it('the partner center says how fresh its data is', async () => {
    expect(testId(await page('/partner-center/'), 'freshness')).to.match(/^Updated (just now|\d+ minutes? ago)$/);
  });
});
