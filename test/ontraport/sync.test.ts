import { expect } from 'chai';
import { createLogger } from '../../src/common/logger.js';
import { runSync, syncObjectNames, type SyncSummary } from '../../src/ontraport/index.js';
import { syncSpec } from '../../src/ontraport/sync/run-sync.js';
import { acquireLease } from '../../src/store/index.js';
import { clearTables, forEachStore } from '../support/store.js';
import { startOntraportEmulator, type ConditionOrder, type OntraportEmulator, type SeedOptions } from '../support/ontraport-emulator.js';
import { accountRenames, accountSchemaNames, commissionStatusCodes } from '../support/ontraport-emulator/schema.js';
import { contactsInScope, expectedSnapshot, storeSnapshot } from './sync-oracle.js';
import { clientFor, rejectionOf } from './support.js';

const logger = createLogger('silent');
const seedOptions: SeedOptions = { programs: 3, partners: 12, contacts: 260, products: 6, purchases: 120, clawbacks: 3, openOrders: 15, promoTools: 8 };

/** Figures printed at the end of the run (requests used by the sync). */
const figures: string[] = [];
(globalThis as { __partnergateSummaries?: Array<() => string> }).__partnergateSummaries ??= [];
(globalThis as { __partnergateSummaries?: Array<() => string> }).__partnergateSummaries!.push(() => ['Ontraport sync requests', ...figures].join('\n'));

const inScope: Record<string, (emu: OntraportEmulator) => number> = {
  programs: (e) => e.all(35).length,
  contacts: (e) => contactsInScope(e).length,
  partners: (e) => e.all(36).length,
  products: (e) => e.all(16).length,
  promo_tools: (e) => e.all(40).length,
  purchases: (e) => e.all(17).filter((r) => Number(r.oprid) > 0).length,
  commissions: (e) => e.all(38).length,
  open_orders: (e) => e.all(44).filter((r) => Number(r.oprid) > 0).length,
};

function byObject(summary: SyncSummary) {
  return Object.fromEntries(summary.objects.map((o) => [o.object, o]));
}

/** The contact scope's branches (one request stream each): referred first, referred last, a partner. */
const contactBranches = (contacts: ReturnType<OntraportEmulator['all']>) =>
  (['freferrer', 'lreferrer', 'program_id'] as const).map((f) => contacts.filter((c) => Number(c[f] ?? 0) > 0).length);

/** Requests the sync needs for one object type: getInfo per branch + ceil(n/50) pages per branch (+ meta). */
const requestsFor = (branchCounts: number[], meta: boolean) => (meta ? 1 : 0) + branchCounts.length + branchCounts.reduce((s, n) => s + Math.ceil(n / 50), 0);

/** The lowest `id >` bound of a logged condition (0 when none). */
const idBound = (condition: string | undefined) => {
  const clause = (JSON.parse(condition ?? '[]') as Array<{ field?: { field: string }; op?: string; value?: { value: number } }>).find((c) => c.field?.field === 'id' && c.op === '>');
  return clause ? Number(clause.value!.value) : 0;
};

for (const conditionOrder of ['and-first', 'or-first', 'left-to-right'] as ConditionOrder[]) forEachStore(`ontraport sync (mixed AND/OR read ${conditionOrder})`, (ctx) => {
  let emu: OntraportEmulator;
  beforeEach(async () => {
    await clearTables(ctx.store);
    emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000, conditionOrder });
    emu.seed(seedOptions);
  });
  afterEach(async () => {
    await emu.stop();
  });
  const deps = (overrides = {}) => ({ store: ctx.store, client: clientFor(emu, overrides), logger });

  it('imports everything: the store equals the emulator, with ceil(N/50) pages per condition branch + meta + getInfo', async () => {
    const summary = await runSync(deps(), { full: true });
    expect(summary.ok).to.equal(true);
    expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu));
    let records = 0;
    for (const o of summary.objects) {
      const n = inScope[o.object]!(emu);
      records += n;
      expect(o.fetched, o.object).to.equal(n);
      expect(o.skipped, o.object).to.equal(0);
      const branches = o.object === 'contacts' ? contactBranches(contactsInScope(emu)) : [n];
      expect(o.requests, o.object).to.equal(requestsFor(branches, true));
    }
    // Every condition sent reads the same under either precedence: only ANDs, or only ORs.
    for (const e of emu.requests({ path: '/objects' })) {
      const joiners = new Set((JSON.parse(e.params.condition ?? '[]') as unknown[]).filter((x) => typeof x === 'string'));
      expect(joiners.size, e.params.condition).to.be.at.most(1);
    }
    expect(summary.requests).to.equal(emu.log.length);
    if (ctx.kind === 'sqlite' && conditionOrder === 'and-first') figures.push(`  full sync of ${records} records in 8 object types: ${summary.requests} requests (pages per condition branch, + meta and getInfo per branch)`);
  });

  it('incremental sync after 1% of records changed fetches only those', async () => {
    const client = clientFor(emu);
    await runSync({ store: ctx.store, client, logger }, { full: true });
    const changed = emu.changeFraction([0, 16, 17, 35, 36, 38, 40, 44], 0.01);
    emu.advanceClock(120_000); // the next run starts two minutes later on Ontraport's clock (past the safety margin)
    emu.clearLog();
    const summary = await runSync({ store: ctx.store, client, logger });
    const o = byObject(summary);
    const scopeContacts = new Set(contactsInScope(emu).map((c) => Number(c.id)));
    const credited = (type: number) => (id: number) => Number(emu.get(type, id)!.oprid) > 0;
    expect(o.contacts!.fetched).to.equal(changed[0]!.filter((id) => scopeContacts.has(id)).length);
    expect(o.purchases!.fetched).to.equal(changed[17]!.filter(credited(17)).length);
    expect(o.open_orders!.fetched).to.equal(changed[44]!.filter(credited(44)).length);
    for (const [name, type] of [['programs', 35], ['partners', 36], ['products', 16], ['promo_tools', 40], ['commissions', 38]] as const) {
      expect(o[name]!.fetched, name).to.equal(changed[type]!.length);
    }
    const fetched = summary.objects.reduce((s, x) => s + x.fetched, 0);
    const changedContacts = contactsInScope(emu).filter((c) => changed[0]!.includes(Number(c.id)));
    for (const x of summary.objects) {
      const branches = x.object === 'contacts' ? contactBranches(changedContacts) : [x.fetched];
      expect(x.requests, x.object).to.equal(requestsFor(branches, false)); // meta is cached
    }
    expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu));
    if (ctx.kind === 'sqlite' && conditionOrder === 'and-first') figures.push(`  incremental sync after 1% changed (${fetched} records in scope): ${summary.requests} requests`);
    // Nothing changed since: one getInfo per type (three for the contact scope's branches), nothing fetched.
    emu.advanceClock(120_000);
    const idle = await runSync({ store: ctx.store, client, logger });
    expect(idle.requests).to.equal(10);
    expect(idle.objects.every((x) => x.fetched === 0)).to.equal(true);
  });

  it('notices deletions on a full run (removed, or marked inactive for partners), not on an incremental one', async () => {
    const client = clientFor(emu);
    await runSync({ store: ctx.store, client, logger }, { full: true });
    const lead = contactsInScope(emu).find((c) => Number(c.program_id) === 0 && !emu.all(17).some((p) => p.contact_id === c.id) && !emu.all(38).some((k) => k.contact_id === c.id) && !emu.all(44).some((k) => k.contact_id === c.id))!;
    const partner = emu.all(36)[0]!;
    // Not a paid one: paid commissions are in a payout (the sync groups them), and those are kept.
    const commission = emu.all(38).filter((k) => k.status !== commissionStatusCodes.paid)[5]!;
    emu.remove(0, Number(lead.id));
    emu.remove(36, Number(partner.id));
    emu.remove(38, Number(commission.id));
    emu.remove(40, 1);
    const incremental = await runSync({ store: ctx.store, client, logger });
    expect(incremental.objects.reduce((s, o) => s + o.deleted, 0)).to.equal(0);
    expect(await ctx.store.db.selectFrom('commissions').select('id').where('ontraport_id', '=', Number(commission.id)).executeTakeFirst()).to.not.equal(undefined);

    const full = byObject(await runSync({ store: ctx.store, client, logger }, { full: true }));
    expect(full.contacts!.deleted).to.equal(1);
    expect(full.commissions!.deleted).to.equal(1);
    expect(full.promo_tools!.deleted).to.equal(1);
    expect(full.partners!.deleted).to.equal(1);
    expect(full.partners!.notes.join()).to.match(/marked inactive/);
    const gone = await ctx.store.db.selectFrom('contacts').select('id').where('ontraport_id', '=', Number(lead.id)).executeTakeFirst();
    expect(gone).to.equal(undefined);
    const marked = await ctx.store.db.selectFrom('partners').select('status').where('referral_code', '=', String(partner.contact_id)).executeTakeFirstOrThrow();
    expect(marked.status).to.equal('inactive');
  });

  it('skips malformed records, reports their ids and reasons, and stores the rest; unknown fields are ignored', async () => {
    const usd = emu.all(35).find((p) => p.currency === 'USD')!;
    const usdPartner = emu.all(36).find((p) => p.program_id === usd.id)!;
    const bad = {
      currency: emu.insert(38, { partner_id: usdPartner.contact_id, contact_id: 0, program_id: usd.id, type: '0', status: '1', amount: '10.00', currency: 'EUR', date: 1_700_000_000 }),
      amount: emu.insert(38, { partner_id: usdPartner.contact_id, type: '0', status: '1', amount: 'ten', currency: 'USD', date: 1_700_000_000 }),
      status: emu.insert(38, { partner_id: usdPartner.contact_id, type: '0', status: '99', amount: '1.00', date: 1_700_000_000 }),
      partner: emu.insert(38, { partner_id: 987_654, type: '0', status: '1', amount: '1.00', date: 1_700_000_000 }),
      email: emu.insert(0, { firstname: 'No', lastname: 'At', email: 'not-an-email', freferrer: usdPartner.contact_id, lreferrer: 0, program_id: 0, f9999: 'whatever' }),
    };
    const summary = byObject(await runSync(deps(), { full: true }));
    expect(summary.commissions!.skipped).to.equal(4);
    const reasons = Object.fromEntries(summary.commissions!.skippedRecords.map((s) => [s.id, s.reason]));
    expect(reasons[String(bad.currency.id)]).to.match(/currency EUR is not the currency of its program \(USD\)/);
    expect(reasons[String(bad.amount.id)]).to.match(/amount "ten" is not an amount/);
    expect(reasons[String(bad.status.id)]).to.match(/commission status "99"/);
    expect(reasons[String(bad.partner.id)]).to.match(/partner \(contact #987654\) is not synced/);
    expect(summary.contacts!.skippedRecords).to.deep.equal([{ id: String(bad.email.id), reason: 'email "not-an-email" is not an email address' }]);
    const excluded = { 38: [bad.currency, bad.amount, bad.status, bad.partner].map((r) => Number(r.id)), 0: [Number(bad.email.id)] };
    expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu, excluded));
  });

  it('resumes after a crash (onProgress throws) where it stopped, and ends equal to an uninterrupted run', async () => {
    const client = clientFor(emu);
    let pages = 0;
    const err = await rejectionOf(runSync({ store: ctx.store, client, logger }, {
      full: true,
      onProgress: (p) => {
        if (p.object === 'contacts' && p.phase === 'page' && ++pages === 3) throw new Error('power cut');
      },
    }));
    expect(err.message).to.equal('power cut');
    const state = await ctx.store.db.selectFrom('sync_state').selectAll().where('object_type', '=', 'contacts').executeTakeFirstOrThrow();
    expect(state.run_kind).to.equal('full');
    expect(Number(state.resume_start)).to.be.greaterThan(0);
    const committed = Number(state.resume_start);
    const since = Date.now();

    const resumed = byObject(await runSync({ store: ctx.store, client, logger }, { full: true }));
    expect(resumed.contacts!.resumed).to.equal(true);
    expect(resumed.contacts!.fetched).to.equal(contactsInScope(emu).length); // counted across both halves
    // Nothing at or below the committed cursor is asked for again.
    const after = emu.requests({ objectId: 0, since }).filter((e) => e.path === '/objects' || e.path === '/objects/getInfo');
    expect(after.length).to.be.greaterThan(0);
    for (const e of after) expect(idBound(e.params.condition), e.params.condition).to.be.at.least(committed);
    expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu));
  });

  it('resumes after the run is killed mid-way (aborted), then an incremental request finishes the full run', async () => {
    const client = clientFor(emu);
    const controller = new AbortController();
    const stop = emu.onRequest((e) => {
      if (e.path === '/objects' && e.objectId === 38) controller.abort(new Error('killed'));
    });
    const err = await rejectionOf(runSync({ store: ctx.store, client, logger }, { full: true, signal: controller.signal }));
    stop();
    expect(err.message).to.equal('killed');
    const summary = byObject(await runSync({ store: ctx.store, client, logger })); // incremental asked: the full one is resumed
    expect(summary.commissions!.kind).to.equal('full');
    expect(summary.commissions!.resumed).to.equal(true);
    expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu));
  });

  it('does not miss records when others are deleted while it pages', async () => {
    const client = clientFor(emu);
    const ids = contactsInScope(emu).map((c) => Number(c.id));
    const behind = ids[10]!; // already fetched when it disappears
    const ahead = ids[ids.length - 5]!; // not fetched yet
    const stop = emu.onRequest((e) => {
      if (e.path === '/objects' && e.objectId === 0 && e.params.condition?.includes('"id"')) {
        emu.remove(0, behind);
        emu.remove(0, ahead);
      }
    });
    const summary = byObject(await runSync({ store: ctx.store, client, logger }, { full: true, objects: ['programs', 'contacts'] }));
    stop();
    const stored = new Set((await ctx.store.db.selectFrom('contacts').select('ontraport_id').execute()).map((c) => Number(c.ontraport_id)));
    for (const id of ids) if (id !== ahead) expect(stored.has(id), `contact ${id}`).to.equal(true);
    expect(stored.has(ahead)).to.equal(false);
    expect(summary.contacts!.status).to.equal('ok');
  });

  for (const schema of ['other-labels'] as const) {
    it(`maps the undocumented fields of another account ("${schema}": other names, labels and codes) and reads its status codes from objects/meta`, async () => {
      await emu.stop();
      emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000, conditionOrder, schema });
      emu.seed(seedOptions);
      const summary = await runSync(deps(), { full: true });
      expect(summary.ok).to.equal(true);
      expect(await storeSnapshot(ctx.store.db)).to.deep.equal(expectedSnapshot(emu));
      const statuses = new Set((await ctx.store.db.selectFrom('commissions').select('status').execute()).map((c) => c.status));
      expect([...statuses].sort()).to.deep.equal(['approved', 'declined', 'paid', 'pending', 'refunded']);
    });
  }

  it('stops before writing anything when the commission fields have names and labels it cannot map, naming them', async () => {
    await emu.stop();
    emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000, conditionOrder, schema: 'unrecognised-commissions' });
    emu.seed(seedOptions);
    const err = await rejectionOf(runSync(deps(), { full: true }));
    expect(err.code).to.equal('ontraport.failed');
    expect(err.message).to.match(/nothing was synced/);
    expect(err.message).to.match(/commissions: Ontraport object 38 \(Commission\): partner: no field named partner_id, oprid, affiliate_id, aff_id, partner or labelled/);
    expect(err.message).to.match(/amount: no field named amount, commission/);
    expect(err.message).to.match(/status: no field named status/);
    expect(err.message).to.match(/The account has: .*f1921 "Payee reference".*f1922 "Sum due"/);
    expect(emu.requests({ path: '/objects' })).to.deep.equal([]); // no record was even fetched
    for (const table of ['programs', 'contacts', 'partners', 'products', 'promo_tools', 'purchases', 'commissions', 'open_orders', 'sync_state', 'job_leases'] as const) {
      expect(await ctx.store.db.selectFrom(table).selectAll().execute(), table).to.deep.equal([]);
    }
  });

  it('fails fast on a wrong API key: ontraport.auth_failed after one request', async () => {
    const err = await rejectionOf(runSync(deps({ apiKey: 'wrong' }), { full: true }));
    expect(err.code).to.equal('ontraport.auth_failed');
    expect(emu.log).to.have.length(1);
    expect(await ctx.store.db.selectFrom('job_leases').selectAll().execute()).to.deep.equal([]); // lease released
  });

  it('refuses to run while another runner holds the lease', async () => {
    expect(await acquireLease(ctx.store.db, 'ontraport.sync', 'other-instance', 60_000)).to.equal(true);
    const err = await rejectionOf(runSync(deps()));
    expect(err.code).to.equal('conflict');
    expect(emu.log).to.have.length(0);
  });

  it('names the object, the field it looked for and what it found when a required field is gone from meta', async () => {
    delete emu.schemas[44]!.fields[emu.fieldName(44, 'oprid')];
    const err = await rejectionOf(runSync(deps(), { full: true }));
    expect(err.message).to.match(/open_orders: Ontraport object 44 \(Open Order\): partner: no field named oprid, affiliate_id, partner_id or labelled .*The account has: id "ID", date "Date Added"/);
    expect(await ctx.store.db.selectFrom('contacts').selectAll().execute()).to.deep.equal([]);
  });
});

describe('ontraport emulator account schemas', () => {
  it('no account schema uses a name from any candidate list for the fields Ontraport does not document', () => {
    const candidates = new Set(syncObjectNames.flatMap((name) => Object.values(syncSpec(name).wants).flatMap((w) => [...w.candidates])));
    for (const schema of accountSchemaNames) {
      const renamed = Object.values(accountRenames(schema)).flatMap((fields) => Object.values(fields).map((r) => r.name));
      expect(renamed.length, schema).to.be.greaterThan(20);
      expect(renamed.filter((n) => candidates.has(n)), schema).to.deep.equal([]);
    }
    expect(accountSchemaNames).to.include('custom-fields');
  });
});
