/**
 * Fault: Ontraport 5xx and 429 storms (and hangs) during the sync, against the emulator. Before: an empty store.
 * During: a full sync meets a storm of 500/502/503s and requests that never answer, or a storm of 429s (another
 * app on the same account using up the rate budget; X-Rate-Limit-Reset says when it frees up). The sync either completes, or reports the object
 * types that failed and leaves them resumable; the next run finishes the job. After: the store equals what the
 * emulator holds (the independent oracle of test/ontraport), no record is stored twice, and an incremental run
 * in a second storm picks up the changes. Both stores.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createLogger } from '../../src/common/logger.js';
import { runSync, type SyncSummary } from '../../src/ontraport/index.js';
import { clearTables, forEachStore } from '../support/store.js';
import { startOntraportEmulator, type OntraportEmulator, type SeedOptions } from '../support/ontraport-emulator.js';
import { expectedSnapshot, storeSnapshot } from '../ontraport/sync-oracle.js';
import { clientFor } from '../ontraport/support.js';
import type { Store } from '../../src/store/index.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'faults: Ontraport 429/5xx storms during sync';
const logger = createLogger('silent');
const seedOptions: SeedOptions = { programs: 2, partners: 6, contacts: 70, products: 3, purchases: 30, clawbacks: 2, openOrders: 5, promoTools: 3 };
const MIRRORED = ['programs', 'contacts', 'partners', 'products', 'promo_tools', 'purchases', 'commissions', 'open_orders'] as const;

/** Tables where an Ontraport record could have been stored twice (the same ontraport_id on two rows). */
async function duplicates(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const table of MIRRORED) {
    const key = table === 'partners' ? 'referral_code' : 'ontraport_id';
    const rows = await sql<{ k: string; n: number }>`select ${sql.ref(key)} as k, count(*) as n from ${sql.table(table)} where ${sql.ref(key)} is not null group by ${sql.ref(key)} having count(*) > 1`.execute(store.db);
    for (const r of rows.rows) out.push(`${table} ${r.k} x${r.n}`);
  }
  return out;
}

const failedObjects = (s: SyncSummary) => s.objects.filter((o) => o.status === 'failed').map((o) => `${o.object}: ${o.error?.code}`);

forEachStore('adversarial faults: Ontraport storms during sync', (ctx) => {
  let emu: OntraportEmulator;
  beforeEach(async () => {
    await clearTables(ctx.store);
  });
  afterEach(async () => {
    await emu?.stop();
  });

  /** Runs until a run reports every object ok (at most `max` runs); each run must end cleanly, never throw. */
  async function syncUntilDone(client: ReturnType<typeof clientFor>, full: boolean, max = 4): Promise<{ runs: SyncSummary[]; threw?: string }> {
    const runs: SyncSummary[] = [];
    for (let i = 0; i < max; i++) {
      try {
        const s = await runSync({ store: ctx.store, client, logger }, { full });
        runs.push(s);
        if (s.ok) break;
      } catch (err) {
        return { runs, threw: (err as Error).message };
      }
    }
    return { runs };
  }

  async function consistent(label: string): Promise<CaseResult[]> {
    const dup = await duplicates(ctx.store);
    const equal = JSON.stringify(await storeSnapshot(ctx.store.db)) === JSON.stringify(expectedSnapshot(emu));
    return [
      { name: `${label}: store equals Ontraport [${ctx.kind}]`, held: equal, why: 'snapshot differs from the emulator' },
      { name: `${label}: no record stored twice [${ctx.kind}]`, held: dup.length === 0, why: dup.slice(0, 5).join('; ') },
    ];
  }

  it('a storm of 5xx (and hangs) during a full sync: it completes or fails cleanly, the next run finishes; store equals Ontraport', async function () {
    this.timeout(120_000);
    emu = await startOntraportEmulator({ rateLimit: 100_000, rateWindowMs: 1000 });
    emu.seed(seedOptions);
    const results: CaseResult[] = [{ name: `5xx storm: store empty before [${ctx.kind}]`, held: (await storeSnapshot(ctx.store.db)).contacts.length === 0 }];
    // 60 errors spread over the run: three kinds of 5xx on every path, plus a request that never answers.
    emu.injectFault({ kind: 'status', status: 500 }, 20);
    emu.injectFault({ kind: 'status', status: 503 }, 20, { path: '/objects' });
    emu.injectFault({ kind: 'status', status: 502 }, 20, { path: '/objects/getInfo' });
    emu.injectFault({ kind: 'hang' }, 1, { path: '/objects' });
    const client = clientFor(emu, { timeoutMs: 1000, maxAttempts: 3 });
    const { runs, threw } = await syncUntilDone(client, true);
    const failedStatuses = emu.log.filter((e) => e.status >= 500).length;
    results.push(
      { name: `5xx storm: no run threw [${ctx.kind}]`, held: threw === undefined, why: threw },
      { name: `5xx storm: finished within 4 runs [${ctx.kind}]`, held: runs.at(-1)?.ok === true, why: runs.map((r) => failedObjects(r).join(',') || 'ok').join(' | ') },
      { name: `5xx storm: failures reported per object, never silent [${ctx.kind}]`, held: runs.slice(0, -1).every((r) => failedObjects(r).length > 0), why: 'a run that was not ok named no failed object' },
    );
    expect(failedStatuses, 'the storm really happened').to.be.greaterThan(30);
    results.push(...(await consistent('5xx storm')));
    expectAllHeld(CLASS, results);
  });

  // The client's waiting does not depend on the store: once is enough.
  if (ctx.kind === 'sqlite') it('a 429 storm (another app on the account eats the rate budget): the client waits for the reset, the sync completes', async function () {
    this.timeout(120_000);
    emu = await startOntraportEmulator({ rateLimit: 40, rateWindowMs: 250 });
    emu.seed(seedOptions);
    // Every fourth request, someone else uses up the whole window: the next ones get 429 until it resets.
    let seen = 0;
    const stop = emu.onRequest(() => {
      if (++seen % 4 === 0) emu.consumeRateLimit(40);
    });
    const client = clientFor(emu, { rateWindowMs: 250, maxRateLimitRetries: 50 });
    const { runs, threw } = await syncUntilDone(client, true);
    stop();
    const limited = emu.log.filter((e) => e.status === 429).length;
    const results: CaseResult[] = [
      { name: `429 storm: no run threw [${ctx.kind}]`, held: threw === undefined, why: threw },
      { name: `429 storm: completed [${ctx.kind}]`, held: runs.at(-1)?.ok === true, why: runs.map((r) => failedObjects(r).join(',') || 'ok').join(' | ') },
    ];
    expect(limited, 'the storm really happened').to.be.greaterThan(5);
    results.push(...(await consistent('429 storm')));
    expectAllHeld(CLASS, results);
  });

  it('an incremental sync of changed records in a second storm: the changes arrive once, nothing else moves', async function () {
    this.timeout(120_000);
    emu = await startOntraportEmulator({ rateLimit: 100_000, rateWindowMs: 1000 });
    emu.seed(seedOptions);
    expect((await runSync({ store: ctx.store, client: clientFor(emu), logger }, { full: true })).ok).to.equal(true);
    emu.advanceClock(120_000);
    emu.changeFraction([0, 36, 38, 17], 0.15);
    emu.injectFault({ kind: 'status', status: 503 }, 15);
    emu.injectFault({ kind: 'malformed' }, 3, { path: '/objects' });
    const { runs, threw } = await syncUntilDone(clientFor(emu, { maxAttempts: 3 }), false);
    const results: CaseResult[] = [
      { name: `incremental storm: no run threw [${ctx.kind}]`, held: threw === undefined, why: threw },
      { name: `incremental storm: completed [${ctx.kind}]`, held: runs.at(-1)?.ok === true, why: runs.map((r) => failedObjects(r).join(',') || 'ok').join(' | ') },
      ...(await consistent('incremental storm')),
    ];
    expectAllHeld(CLASS, results);
  });
});
