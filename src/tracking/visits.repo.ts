/**
 * The click recorder's store access: which referral codes and promo tools exist, and the batch insert that
 * keeps one row per partner, UTC day and visitor (`visits_partner_day_visitor_uq`, migration 1000).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

export interface PartnerRef {
  id: number;
  referralCode: string;
  programId: number;
}

/** Look-ups take at most this many keys a query: a batch may hold thousands of distinct (made-up) referral codes. */
const KEYS_PER_QUERY = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += KEYS_PER_QUERY) out.push(items.slice(i, i + KEYS_PER_QUERY));
  return out;
}

export async function partnersByReferralCode(db: Kysely<Database>, codes: readonly string[]): Promise<Map<string, PartnerRef>> {
  const map = new Map<string, PartnerRef>();
  for (const part of chunks(codes)) {
    const rows = await db.selectFrom('partners').select(['id', 'referral_code', 'program_id']).where('referral_code', 'in', part).execute();
    for (const r of rows) map.set(r.referral_code, { id: Number(r.id), referralCode: r.referral_code, programId: Number(r.program_id) });
  }
  return map;
}

/** Promo tools by id with their program (NULL: offered to every program). */
export async function promoToolPrograms(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, number | null>> {
  const map = new Map<number, number | null>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('promo_tools').select(['id', 'program_id']).where('id', 'in', part).execute();
    for (const r of rows) map.set(Number(r.id), r.program_id === null ? null : Number(r.program_id));
  }
  return map;
}

export interface VisitRow {
  partner_id: number;
  promo_tool_id: number | null;
  sub_id: string | null;
  landing_path: string;
  visited_at: number;
  visit_day: number;
  visitor_hash: string;
}


/** Inserts the rows; a visitor already counted for that partner and day is skipped. Returns the rows written. */
export async function insertVisits(db: Kysely<Database>, rows: readonly VisitRow[]): Promise<number> {
  let written = 0;
  // 7 parameters a row: 500 rows stay far below SQLite's and PostgreSQL's parameter limits.
  for (const part of chunks(rows)) {
    const r = await db
      .insertInto('visits')
      .values(part)
      .onConflict((oc) => oc.columns(['partner_id', 'visit_day', 'visitor_hash']).doNothing())
      .executeTakeFirst();
    written += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return written;
}
