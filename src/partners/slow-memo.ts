/**
 * Reuse of the dashboard's figures for the busiest partners only. For most partners every figure is a
 * millisecond of indexed reads; for a partner with hundreds of thousands of commissions, the all-time totals
 * and the period sums read that many index entries on every view. For partners with at least
 * BIG_PARTNER_ROWS commissions those results are kept for a minute, then served while one recomputation runs
 * behind them (up to STALE_MS; older values are recomputed before answering). Commissions change when a sync
 * runs (minutes apart), so figures a little behind are the price of a fast page for those few partners, and a
 * busy one never waits for a recomputation after the first view.
 * The rule depends on the partner's data, not on timing, so everyone else (and every test fixture) always
 * sees the store as it is. Views of the same figures that arrive while they are being computed wait for that
 * computation instead of starting their own (a busy partner opening five tabs, or several gateway
 * connections at once, costs one reading of their commissions, not five): they get a result read at most
 * that computation's duration before they asked.
 */
import type { Db } from './repos/db.js';

/** Commission rows from which a partner's dashboard figures are kept (about the 20 busiest of 100k demo partners). */
export const BIG_PARTNER_ROWS = 20_000;
/** A kept value is served as is for this long... */
export const FRESH_MS = 60_000;
/**
 * ...then, for this much longer, served at once while one recomputation runs behind it (so the busiest
 * partners never wait for their own totals twice); older than that, it is recomputed before answering.
 */
export const STALE_MS = 10 * 60_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  value: unknown;
  freshUntil: number;
  staleUntil: number;
}

// One map per store handle, so two stores in one process (tests) never share entries.
const memos = new WeakMap<object, Map<string, Entry>>();
const computing = new WeakMap<object, Map<string, Promise<unknown>>>();

/** `compute()` for `key`, shared with every caller that asks while it runs. */
function shared<T>(db: Db, key: string, compute: () => Promise<T>): Promise<T> {
  let running = computing.get(db);
  if (!running) computing.set(db, (running = new Map()));
  const runningOfDb = running;
  let p = runningOfDb.get(key) as Promise<T> | undefined;
  if (!p) {
    p = compute().finally(() => runningOfDb.delete(key));
    runningOfDb.set(key, p);
  }
  return p;
}

/**
 * The kept value for `key`, or `compute()`'s, kept when `keep(value)` says so.
 * @param key names the partner and what was computed, e.g. `totals:42`
 * @param now the clock (tests)
 */
export async function memoForBigPartners<T>(db: Db, key: string, compute: () => Promise<T>, keep: (value: T) => boolean, now = Date.now()): Promise<T> {
  let memo = memos.get(db);
  if (!memo) memos.set(db, (memo = new Map()));
  const memoOfDb = memo;
  const store = (value: T, at: number): T => {
    if (keep(value)) {
      if (!memoOfDb.has(key) && memoOfDb.size >= MAX_ENTRIES) memoOfDb.delete(memoOfDb.keys().next().value!);
      memoOfDb.set(key, { value, freshUntil: at + FRESH_MS, staleUntil: at + FRESH_MS + STALE_MS });
    } else {
      memoOfDb.delete(key);
    }
    return value;
  };
  const hit = memo.get(key);
  if (hit && hit.freshUntil > now) return hit.value as T;
  if (hit && hit.staleUntil > now) {
    // One recomputation at a time per key (shared); a failed one leaves the old value to be tried again next time.
    shared(db, key, compute).then(
      (value) => store(value, Date.now()),
      () => {},
    );
    return hit.value as T;
  }
  return store(await shared(db, key, compute), now);
}
