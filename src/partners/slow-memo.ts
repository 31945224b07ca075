/**
 * Reuse of the dashboard's figures for the busiest partners only. For most partners every figure is a
 * millisecond of indexed reads; for a partner with hundreds of thousands of commissions, the all-time totals
 * and the period sums read that many index entries on every view. For partners with at least
 * BIG_PARTNER_ROWS commissions those results are kept for a minute: commissions change when a sync runs
 * (minutes apart), so figures at most a minute behind are the price of a fast page for those few partners.
 * The rule depends on the partner's data, not on timing, so everyone else (and every test fixture) always
 * sees the store as it is.
 */
import type { Db } from './repos/db.js';

/** Commission rows from which a partner's dashboard figures are kept (about the 20 busiest of 100k demo partners). */
export const BIG_PARTNER_ROWS = 20_000;
const TTL_MS = 60_000;
const MAX_ENTRIES = 2_000;

// One map per store handle, so two stores in one process (tests) never share entries.
const memos = new WeakMap<object, Map<string, { value: unknown; expiresAt: number }>>();

/**
 * The kept value for `key`, or `compute()`'s, kept when `keep(value)` says so.
 * @param key names the partner and what was computed, e.g. `totals:42`
 */
export async function memoForBigPartners<T>(db: Db, key: string, compute: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
  let memo = memos.get(db);
  if (!memo) memos.set(db, (memo = new Map()));
  const hit = memo.get(key);
  if (hit && hit.expiresAt > Date.now()) return hit.value as T;
  const value = await compute();
  if (keep(value)) {
    if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value!);
    memo.set(key, { value, expiresAt: Date.now() + TTL_MS });
  } else if (hit) {
    memo.delete(key);
  }
  return value;
}
