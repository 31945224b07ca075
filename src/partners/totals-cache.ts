/**
 * All-time commission totals by status. For most partners this is a millisecond on the covering index
 * `commissions_partner_totals_ix`; for the busiest (hundreds of thousands of rows) it is a scan of all of them,
 * the largest cost of the dashboard. Those slow results only are reused for up to a minute: commissions change
 * when a sync runs (minutes apart), so a dashboard at most a minute behind is the trade for a fast page. Fast
 * results are never cached, so ordinary partners (and tests) always see the store as it is.
 */
import type { Db } from './repos/db.js';
import { totalsByStatusAndKind, type StatusKindTotal } from './repos/commissions.repo.js';

/** Results that took at least this long are worth keeping. */
export const SLOW_TOTALS_MS = 15;
export const TOTALS_TTL_MS = 60_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  rows: StatusKindTotal[];
  expiresAt: number;
}

// One memo per store handle, so two stores in one process (tests) never share entries.
const memos = new WeakMap<object, Map<number, Entry>>();

export async function allTimeTotalsByStatus(db: Db, partnerId: number): Promise<StatusKindTotal[]> {
  let memo = memos.get(db);
  if (!memo) memos.set(db, (memo = new Map()));
  const hit = memo.get(partnerId);
  if (hit && hit.expiresAt > Date.now()) return hit.rows;
  const started = performance.now();
  const rows = await totalsByStatusAndKind(db, partnerId);
  if (performance.now() - started >= SLOW_TOTALS_MS) {
    if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value!);
    memo.set(partnerId, { rows, expiresAt: Date.now() + TOTALS_TTL_MS });
  } else if (hit) {
    memo.delete(partnerId);
  }
  return rows;
}
