import { expect } from 'chai';
import { createLogger } from '../../src/common/logger.js';
import { queueContactUpdate, startSyncScheduler, type SyncSummary } from '../../src/ontraport/index.js';
import { clearTables, forEachStore } from '../support/store.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { clientFor } from './support.js';

const logger = createLogger('silent');

forEachStore('ontraport sync scheduler', (ctx) => {
  let emu: OntraportEmulator;
  beforeEach(async () => {
    await clearTables(ctx.store);
    emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000 });
    emu.seed({ programs: 2, partners: 4, contacts: 60, purchases: 20, openOrders: 3, promoTools: 2 });
  });
  afterEach(async () => {
    await emu.stop();
  });
  const deps = () => ({ store: ctx.store, client: clientFor(emu), logger });

  it('lets one instance sync at a time: the other skips its tick', async () => {
    const a = startSyncScheduler(deps(), { intervalMs: 3_600_000 });
    const b = startSyncScheduler(deps(), { intervalMs: 3_600_000 });
    const results = await Promise.all([a.runNow(), b.runNow()]);
    expect(results.filter((r) => r !== undefined)).to.have.length(1);
    const later = await b.runNow(); // the lease was released
    expect(later?.ok).to.equal(true);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('ticks on its own: sends queued write-backs, then syncs', async () => {
    await queueContactUpdate(ctx.store.db, { idempotencyKey: 'tick', contactOntraportId: 1, fields: { aff_paypal: 'tick@x.example' } });
    const summaries: SyncSummary[] = [];
    let resolveTwo: () => void;
    const two = new Promise<void>((r) => (resolveTwo = r));
    const scheduler = startSyncScheduler(deps(), {
      intervalMs: 20,
      firstRunInMs: 0,
      onTick: ({ summary }) => {
        if (summary) summaries.push(summary);
        if (summaries.length === 2) resolveTwo();
      },
    });
    await two;
    await scheduler.stop();
    expect(summaries.every((s) => s.kind === 'incremental' && s.ok)).to.equal(true);
    expect(emu.get(0, 1)?.aff_paypal).to.equal('tick@x.example');
    expect(emu.requests({ method: 'PUT' })).to.have.length(1);
    const contacts = await ctx.store.db.selectFrom('contacts').select('id').execute();
    expect(contacts.length).to.be.greaterThan(60);
  });

  it('stop() aborts a run in progress between pages; the next run resumes it', async () => {
    const scheduler = startSyncScheduler(deps(), { intervalMs: 3_600_000, firstRunInMs: 0, processOutbox: false });
    let stopping: Promise<void> | undefined;
    const unhook = emu.onRequest((e) => {
      if (e.path === '/objects' && e.objectId === 0 && !stopping) stopping = scheduler.stop();
    });
    while (!stopping) await new Promise((r) => setTimeout(r, 5));
    await stopping;
    unhook();
    const state = await ctx.store.db.selectFrom('sync_state').selectAll().where('object_type', '=', 'contacts').executeTakeFirstOrThrow();
    expect(state.run_kind).to.equal('incremental');
    const again = startSyncScheduler(deps(), { intervalMs: 3_600_000 });
    const summary = await again.runNow();
    await again.stop();
    expect(summary?.objects.find((o) => o.object === 'contacts')?.resumed).to.equal(true);
  });
});
