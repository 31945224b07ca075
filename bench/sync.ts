/**
 * Benchmark 6, the Ontraport sync: a full and a 1%-changed incremental sync of 100,000 referred contacts (plus
 * their partners, programs and a few of every other object type) from the Ontraport emulator into a fresh
 * SQLite store, with the emulator's rolling-window limit of 180 requests per window scaled down in time (the
 * window is `windowMs` instead of one minute; the client is told the same window). Reports requests used, wall
 * time, the achieved request rate as a fraction of the allowed rate (target >= 0.9) and the most requests the
 * emulator saw in any rolling window (must never exceed the limit).
 *
 *   npx tsx bench/sync.ts [--contacts 100000] [--window-ms 30000] [--smoke]
 *
 * The emulator runs in this process, like the sync: its own cost per page (it filters and sorts every record
 * for each page, as a real server's index would not) is part of the measured latency, so the window is chosen
 * long enough that one page round trip (80-190 ms at 100k contacts on 2 busy cores) fits inside the allowed
 * interval between requests: 180 per 30 s, 6 requests per second (twice the real 3 per second). The sync asks
 * for one page at a time, so its rate is bounded by 1 / round trip: the mean round trip is reported too.
 * The smoke run (2,000 contacts, 180 per second) only checks that the script works: a run of fewer requests
 * than the limit never leaves the first window's burst, so its rate figure means little.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../src/common/logger.js';
import { OntraportClient, runSync, type SyncSummary } from '../src/ontraport/index.js';
import { migrateToLatest, openStore } from '../src/store/index.js';
import { OntraportEmulator } from '../test/support/ontraport-emulator.js';
import { requireSoundStore, result, round, type BenchResult } from './lib.js';

const RATE_LIMIT = 180;

export interface SyncRun {
  kind: 'full' | 'incremental';
  requests: number;
  records: number;
  seconds: number;
  /**
   * Requests made / the most the limit allows in the run's wall time T: a full window's burst at the start plus
   * limit per window after it, i.e. limit * (1 + T / window).
   */
  rateFraction: number;
  /** Most requests the emulator saw in any rolling window during this run. */
  maxInWindow: number;
}

export async function runSyncBenchmark(opts: { contacts: number; windowMs: number }): Promise<{ runs: SyncRun[]; windowMs: number; limit: number; storeCheck: string }> {
  const emu = await new OntraportEmulator({ rateLimit: RATE_LIMIT, rateWindowMs: opts.windowMs }).start();
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-sync-bench-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'sync.sqlite') });
  try {
    await migrateToLatest(store.db, store.kind);
    const partners = Math.max(10, Math.round(opts.contacts / 100));
    emu.seed({ programs: 3, partners, contacts: opts.contacts, unreferredContacts: Math.round(opts.contacts / 50), products: 20, purchases: 200, clawbacks: 5, openOrders: 20, promoTools: 10 });
    const client = OntraportClient.create({ baseUrl: emu.baseUrl, appId: emu.appId, apiKey: emu.apiKey, ratePerWindow: RATE_LIMIT, rateWindowMs: opts.windowMs, timeoutMs: 30_000 });
    const deps = { store, client, logger: createLogger('silent') };
    const measure = async (kind: SyncRun['kind'], full: boolean): Promise<SyncRun> => {
      emu.clearLog();
      const started = performance.now();
      const summary: SyncSummary = await runSync(deps, { full });
      const seconds = (performance.now() - started) / 1000;
      if (!summary.ok) throw new Error(`${kind} sync failed: ${JSON.stringify(summary.objects.filter((o) => o.status !== 'ok'))}`);
      const records = summary.objects.reduce((s, o) => s + o.fetched, 0);
      return { kind, requests: summary.requests, records, seconds: round(seconds, 2), rateFraction: round(summary.requests / (RATE_LIMIT * (1 + (seconds * 1000) / opts.windowMs)), 3), maxInWindow: emu.maxRequestsInWindow() };
    };
    const full = await measure('full', true);
    // The limiter's window must drain before the next run, or the incremental run starts with a handicap.
    await new Promise((r) => setTimeout(r, opts.windowMs));
    emu.changeFraction([0, 16, 17, 35, 36, 38, 40, 44], 0.01);
    emu.advanceClock(120_000); // the next run starts two minutes later on Ontraport's clock (past the safety margin)
    const incremental = await measure('incremental', false);
    await store.close();
    const storeCheck = await requireSoundStore('sync', { kind: 'sqlite', path: join(dir, 'sync.sqlite') });
    return { runs: [full, incremental], windowMs: opts.windowMs, limit: RATE_LIMIT, storeCheck };
  } finally {
    await store.close();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSync({ smoke }: { smoke: boolean }): Promise<BenchResult[]> {
  const contacts = smoke ? 2_000 : 100_000;
  const r = await runSyncBenchmark({ contacts, windowMs: smoke ? 1_000 : 30_000 });
  const out: BenchResult[] = [];
  const scale = `limit ${r.limit} per ${r.windowMs / 1000} s (180/min scaled ${60_000 / r.windowMs}x)`;
  for (const run of r.runs) {
    const label = `sync ${run.kind} (${contacts / 1000}k contacts)`;
    out.push(
      result(`${label}: requests`, run.requests, 'requests', undefined, `${run.records} records fetched; ${r.storeCheck} after the runs`),
      result(`${label}: wall time`, run.seconds, 's', undefined, scale),
      result(`${label}: achieved rate`, run.rateFraction, 'of allowed', { name: 'target 0.9 of allowed', value: 0.9 }),
      result(`${label}: mean request round trip`, round((run.seconds * 1000) / run.requests, 1), 'ms', { name: 'allowed interval', value: r.windowMs / r.limit, higherIsBetter: false }, 'sequential pages: the rate cannot exceed 1 / round trip'),
      result(`${label}: max requests in any window`, run.maxInWindow, 'requests', { name: `limit ${r.limit}`, value: r.limit, higherIsBetter: false }, 'ratio >= 1 means never above the limit'),
    );
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, dflt: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : dflt;
  };
  const r = await runSyncBenchmark({ contacts: Number(arg('contacts', '100000')), windowMs: Number(arg('window-ms', '30000')) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
