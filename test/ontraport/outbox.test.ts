import { expect } from 'chai';
import { createLogger } from '../../src/common/logger.js';
import { processOntraportOutbox, queueContactUpdate, runSync } from '../../src/ontraport/index.js';
import { clearTables, forEachStore } from '../support/store.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { clientFor, rejectionOf } from './support.js';

const logger = createLogger('silent');

forEachStore('ontraport write-back outbox', (ctx) => {
  let emu: OntraportEmulator;
  beforeEach(async () => {
    await clearTables(ctx.store);
    emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000 });
    emu.seed({ programs: 2, partners: 4, contacts: 20, purchases: 5, openOrders: 2, promoTools: 2 });
  });
  afterEach(async () => {
    await emu.stop();
  });
  const db = () => ctx.store.db;
  const puts = () => emu.requests({ method: 'PUT', path: '/objects' });
  const row = (key: string) => db().selectFrom('ontraport_outbox').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();

  it('sends a queued change once, however often it is queued or processed', async () => {
    const deps = { store: ctx.store, client: clientFor(emu), logger };
    const change = { idempotencyKey: 'paypal:partner:1:v1', contactOntraportId: 1, fields: { aff_paypal: 'ada@new.example' } };
    expect((await queueContactUpdate(db(), change)).queued).to.equal(true);
    expect((await queueContactUpdate(db(), change)).queued).to.equal(false);
    expect((await processOntraportOutbox(deps)).sent).to.equal(1);
    expect((await processOntraportOutbox(deps)).sent).to.equal(0);
    await queueContactUpdate(db(), change); // asked again after it was sent: still nothing new
    await processOntraportOutbox(deps);
    expect(puts()).to.have.length(1);
    expect(emu.get(0, 1)?.aff_paypal).to.equal('ada@new.example');
    const done = await row('paypal:partner:1:v1');
    expect(done.status).to.equal('done');
    expect(done.attempts).to.equal(1);
    expect(done.done_at).to.be.a('number');
  });

  it('refuses an idempotency key reused for a different change, and bad field names', async () => {
    await queueContactUpdate(db(), { idempotencyKey: 'k1', contactOntraportId: 1, fields: { aff_paypal: 'a@x.example' } });
    const reused = await rejectionOf(queueContactUpdate(db(), { idempotencyKey: 'k1', contactOntraportId: 1, fields: { aff_paypal: 'b@x.example' } }));
    expect(reused.code).to.equal('conflict');
    const badField = await rejectionOf(queueContactUpdate(db(), { idempotencyKey: 'k2', contactOntraportId: 1, fields: { 'aff paypal': 'x' } }));
    expect(badField.code).to.equal('request.invalid_field');
    const badId = await rejectionOf(queueContactUpdate(db(), { idempotencyKey: 'k3', contactOntraportId: 0, fields: { aff_paypal: 'x' } }));
    expect(badId.message).to.match(/contactOntraportId/);
  });

  it('a write-back of a misspelt field is refused by the account (400) and never marked done', async () => {
    const deps = { store: ctx.store, client: clientFor(emu), logger };
    const before = emu.get(0, 1);
    await queueContactUpdate(db(), { idempotencyKey: 'paypal:typo', contactOntraportId: 1, fields: { aff_paypall: 'typo@x.example' } });
    const result = await processOntraportOutbox(deps, { maxAttempts: 1 });
    expect(result.sent).to.equal(0);
    expect(puts().map((e) => e.status)).to.deep.equal([400]);
    const failed = await row('paypal:typo');
    expect(failed.status).to.equal('failed');
    expect(failed.last_error).to.match(/unknown field "aff_paypall"/);
    expect(emu.get(0, 1)).to.deep.equal(before); // nothing stored under the wrong name, nothing else changed
  });

  it('retries a failed send later with backoff, then sends it, and never again', async () => {
    const deps = { store: ctx.store, client: clientFor(emu, { maxAttempts: 1 }), logger };
    let now = 1_000_000;
    await queueContactUpdate(db(), { idempotencyKey: 'program:3:tier2', contactOntraportId: 3, fields: { program_id: 2 }, now });
    emu.injectFault({ kind: 'status', status: 502 }, 1, { method: 'PUT' });
    const first = await processOntraportOutbox(deps, { now: () => now, baseDelayMs: 60_000 });
    expect(first).to.deep.include({ sent: 0, retrying: 1 });
    const waiting = await row('program:3:tier2');
    expect(waiting).to.deep.include({ status: 'queued', attempts: 1 });
    expect(waiting.last_error).to.match(/HTTP 502/);
    expect(waiting.next_attempt_at).to.be.within(now + 30_000, now + 60_000);
    expect((await processOntraportOutbox(deps, { now: () => now })).sent).to.equal(0); // not due yet
    now += 60_000;
    expect((await processOntraportOutbox(deps, { now: () => now })).sent).to.equal(1);
    now += 3_600_000;
    await processOntraportOutbox(deps, { now: () => now });
    expect(puts().map((p) => p.status)).to.deep.equal([502, 200]);
    expect(Number(emu.get(0, 3)?.program_id)).to.equal(2);
  });

  it('gives a row up after the last attempt', async () => {
    const deps = { store: ctx.store, client: clientFor(emu, { maxAttempts: 1 }), logger };
    let now = 5_000;
    await queueContactUpdate(db(), { idempotencyKey: 'x', contactOntraportId: 999_999, fields: { aff_paypal: 'ghost@x.example' }, now });
    for (let i = 0; i < 3; i++) {
      await processOntraportOutbox(deps, { now: () => now, maxAttempts: 3, baseDelayMs: 10 });
      now += 1_000;
    }
    expect(await row('x')).to.deep.include({ status: 'failed', attempts: 3 });
    expect(puts()).to.have.length(3);
  });

  it('keeps the order of changes to one record: a later change waits until the earlier one is done', async () => {
    const deps = { store: ctx.store, client: clientFor(emu, { maxAttempts: 1 }), logger };
    let now = 10_000;
    await queueContactUpdate(db(), { idempotencyKey: 'pp:1', contactOntraportId: 2, fields: { aff_paypal: 'first@x.example' }, now });
    await queueContactUpdate(db(), { idempotencyKey: 'pp:2', contactOntraportId: 2, fields: { aff_paypal: 'second@x.example' }, now });
    emu.injectFault({ kind: 'status', status: 500 }, 1, { method: 'PUT' });
    await processOntraportOutbox(deps, { now: () => now, baseDelayMs: 1_000 });
    expect((await row('pp:2')).attempts).to.equal(0); // not sent past the failed first change
    now += 2_000;
    await processOntraportOutbox(deps, { now: () => now });
    expect(puts().map((p) => p.status)).to.deep.equal([500, 200, 200]);
    expect(emu.get(0, 2)?.aff_paypal).to.equal('second@x.example');
  });

  it('after a crash between Ontraport\'s confirmation and the mark, resends once: harmless, the write sets a value', async () => {
    const client = clientFor(emu);
    const deps = { store: ctx.store, client, logger };
    let now = 50_000;
    await queueContactUpdate(db(), { idempotencyKey: 'crash', contactOntraportId: 4, fields: { aff_paypal: 'same@x.example' }, now });
    // What a sender that died right after Ontraport answered leaves behind: a claimed row, already applied.
    await db().updateTable('ontraport_outbox').set({ attempts: 1, next_attempt_at: now + 600_000 }).where('idempotency_key', '=', 'crash').execute();
    await client.updateObject(0, 4, { aff_paypal: 'same@x.example' });
    expect((await processOntraportOutbox(deps, { now: () => now })).sent).to.equal(0); // claim still held
    now += 600_000;
    expect((await processOntraportOutbox(deps, { now: () => now })).sent).to.equal(1);
    expect(puts()).to.have.length(2);
    expect(emu.get(0, 4)?.aff_paypal).to.equal('same@x.example');
    expect((await row('crash')).status).to.equal('done');
  });

  it('stops at a wrong API key instead of trying every row', async () => {
    const deps = { store: ctx.store, client: clientFor(emu, { apiKey: 'wrong' }), logger };
    for (let i = 1; i <= 3; i++) await queueContactUpdate(db(), { idempotencyKey: `w${i}`, contactOntraportId: i, fields: { aff_paypal: `p${i}@x.example` } });
    const result = await processOntraportOutbox(deps);
    expect(result.stoppedBy).to.equal('ontraport.auth_failed');
    expect(emu.log).to.have.length(1);
    expect((await row('w1')).status).to.equal('queued');
  });

  it('a sync does not undo a change still waiting in the outbox', async () => {
    const client = clientFor(emu);
    const deps = { store: ctx.store, client, logger };
    await runSync(deps, { full: true });
    const partner = await db().selectFrom('partners').selectAll().where('referral_code', '=', '1').executeTakeFirstOrThrow();
    await db().transaction().execute(async (trx) => {
      await trx.updateTable('partners').set({ paypal_email: 'mine@x.example' }).where('id', '=', partner.id).execute();
      await queueContactUpdate(trx, { idempotencyKey: 'keep', contactOntraportId: 1, fields: { aff_paypal: 'mine@x.example' } });
    });
    emu.update(0, 1, { firstname: 'Changed' }); // the contact changes in Ontraport meanwhile
    await runSync(deps, { full: true });
    const local = await db().selectFrom('partners').select('paypal_email').where('id', '=', partner.id).executeTakeFirstOrThrow();
    expect(local.paypal_email).to.equal('mine@x.example');
    await processOntraportOutbox(deps);
    emu.advanceClock(120_000);
    await runSync(deps);
    const after = await db().selectFrom('partners').select('paypal_email').where('id', '=', partner.id).executeTakeFirstOrThrow();
    expect(after.paypal_email).to.equal('mine@x.example');
  });
});
