/**
 * Clicks (visits) and leads (contacts whose first referrer is the partner) of one partner, counted over a
 * range or per promo tool / SubID (the reports page reads src/reports/affiliate-report.repo.ts). Runs on `visits (partner_id, visited_at)` and
 * `contacts (first_referrer_id, added_at)`.
 */
import { num, type Db, type MsRange } from './db.js';

export async function countVisits(db: Db, partnerId: number, range: MsRange, filter: { subId?: string } = {}): Promise<number> {
  let q = db
    .selectFrom('visits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('partner_id', '=', partnerId)
    .where('visited_at', '>=', range.startMs)
    .where('visited_at', '<', range.endMs);
  if (filter.subId !== undefined) q = q.where('sub_id', '=', filter.subId);
  return num((await q.executeTakeFirst())?.n);
}

export async function countLeads(db: Db, partnerId: number, range: MsRange): Promise<number> {
  const r = await db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('first_referrer_id', '=', partnerId)
    .where('added_at', '>=', range.startMs)
    .where('added_at', '<', range.endMs)
    .executeTakeFirst();
  return num(r?.n);
}

export interface KeyCount {
  key: string | number | null;
  n: number;
}

/** Clicks per promo tool or SubID over a range. */
export async function visitsByKey(db: Db, partnerId: number, range: MsRange, key: 'promo_tool_id' | 'sub_id', filter: { subId?: string } = {}): Promise<KeyCount[]> {
  let q = db
    .selectFrom('visits')
    .select([key, (eb) => eb.fn.countAll<number>().as('n')])
    .where('partner_id', '=', partnerId)
    .where('visited_at', '>=', range.startMs)
    .where('visited_at', '<', range.endMs);
  if (filter.subId !== undefined) q = q.where('sub_id', '=', filter.subId);
  const rows = await q.groupBy(key).execute();
  return rows.map((r) => ({ key: (r as Record<string, unknown>)[key] as string | number | null, n: num(r.n) }));
}

/** SubIDs carried over from the legacy partner center (migration 0800), so they are listed even before a click. */
export async function listLegacySubIds(db: Db, partnerId: number): Promise<string[]> {
  const rows = await db.selectFrom('partner_sub_ids').select('sub_id').where('partner_id', '=', partnerId).orderBy('sub_id').limit(1000).execute();
  return rows.map((r) => r.sub_id);
}
