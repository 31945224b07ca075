/**
 * Reads of the `rollup_values` snapshot: the top N of a ranking within a scope and how many partners are ahead
 * of a value. Both walk the `(ranking_key, ladder|-, value desc, partner_id)` indexes. Only what a leaderboard
 * may show leaves here for other partners: value, alias, first name and currency (the id stays server-side
 * to mark the viewer's own row).
 */
import type { ProductRef } from './conditions.js';
import type { Db } from '../store/index.js';

export type ScopeFilter = { ladder: string } | { programIds: number[] } | Record<string, never>;

export interface RankedRow {
  partner_id: number;
  value: number;
  alias: string | null;
  first_name: string;
  currency: string;
}

export async function topOfRanking(db: Db, key: string, scope: ScopeFilter, dir: 'asc' | 'desc', limit: number): Promise<RankedRow[]> {
  let q = db
    .selectFrom('rollup_values as rv')
    .innerJoin('partners as p', 'p.id', 'rv.partner_id')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .select(['rv.partner_id', 'rv.value', 'p.alias', 'c.first_name', 'pr.currency'])
    .where('rv.ranking_key', '=', key);
  if ('ladder' in scope) q = q.where('rv.ladder', '=', scope.ladder);
  if ('programIds' in scope) q = q.where('rv.program_id', 'in', scope.programIds.length ? scope.programIds : [-1]);
  const rows = await q.orderBy('rv.value', dir).orderBy('rv.partner_id', 'asc').limit(limit).execute();
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

/** Every value of the scope, highest first (for the per-process rank index). */
export async function scopeValues(db: Db, key: string, scope: ScopeFilter): Promise<number[]> {
  let q = db.selectFrom('rollup_values').select('value').where('ranking_key', '=', key);
  if ('ladder' in scope) q = q.where('ladder', '=', scope.ladder);
  if ('programIds' in scope) q = q.where('program_id', 'in', scope.programIds.length ? scope.programIds : [-1]);
  return (await q.orderBy('value', 'desc').execute()).map((r) => Number(r.value));
}

export async function snapshotValue(db: Db, key: string, partnerId: number): Promise<number | undefined> {
  const row = await db.selectFrom('rollup_values').select('value').where('ranking_key', '=', key).where('partner_id', '=', partnerId).executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

export interface ViewerRow {
  partner_id: number;
  program_id: number;
  program_name: string;
  tier_group: string | null;
  alias: string | null;
  first_name: string;
  currency: string;
  time_zone: string | null;
}

export async function readViewer(db: Db, partnerId: number): Promise<ViewerRow | undefined> {
  return db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .select(['p.id as partner_id', 'p.program_id', 'pr.name as program_name', 'pr.tier_group', 'p.alias', 'c.first_name', 'pr.currency', 'p.time_zone'])
    .where('p.id', '=', partnerId)
    .executeTakeFirst();
}

export async function programIdsByName(db: Db, names: string[]): Promise<number[]> {
  const rows = await db.selectFrom('programs').select('id').where('name', 'in', names).execute();
  return rows.map((r) => r.id);
}

/** The name of a configured product (by Partnergate id, name or Ontraport id). */
export async function productName(db: Db, ref: ProductRef): Promise<string | undefined> {
  if ('name' in ref) return ref.name;
  const q = db.selectFrom('products').select('name');
  const row = await ('id' in ref ? q.where('id', '=', ref.id) : q.where('ontraport_id', '=', ref.ontraportId)).executeTakeFirst();
  return row?.name;
}
