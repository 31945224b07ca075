/**
 * Rollup queries. A rollup is one aggregate over one source table with the partner column as the group key:
 * per partner it runs on the `(partner_id, ...)` indexes; for every partner it is one GROUP BY feeding the
 * `rollup_values` snapshot (INSERT ... SELECT, no rows through Node).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { whereSql, type CompileContext } from './compile.js';
import { sources } from './fields.js';
import type { BoundRollup } from './model.js';
import type { Db } from '../store/index.js';

function partnerColumn(rollup: BoundRollup): string {
  return `s.${sources[rollup.source].partnerColumn(rollup.referrer)}`;
}

function aggregateSql(rollup: BoundRollup) {
  if (rollup.aggregate === 'count') return sql<number>`count(*)`;
  const column = sources[rollup.source].fields[rollup.sumField!]!.column;
  return sql<number>`sum(${sql.ref(`s.${column}`)})`;
}

/** `select <partner>, <aggregate> from <source> s where <conditions> [and partner in (...)] group by <partner>`. */
function groupedQuery(db: Db, rollup: BoundRollup, ctx: CompileContext, partnerIds?: readonly number[]) {
  const partner = partnerColumn(rollup);
  let q = (db as unknown as Kysely<any>)
    .selectFrom(`${sources[rollup.source].table} as s`)
    .select([sql.ref<number>(partner).as('partner_id'), aggregateSql(rollup).as('v')])
    .where((eb) => whereSql(eb, rollup.where, 's', ctx))
    .where(partner, 'is not', null)
    .groupBy(partner);
  if (partnerIds) q = q.where(partner, 'in', partnerIds);
  return q;
}

/** The partner's value of a rollup (0 when no row matches). */
export async function valueForPartner(db: Db, rollup: BoundRollup, partnerId: number, ctx: CompileContext): Promise<number> {
  const row = await (db as unknown as Kysely<any>)
    .selectFrom(`${sources[rollup.source].table} as s`)
    .select(sql<number>`coalesce(${aggregateSql(rollup)}, 0)`.as('v'))
    .where(partnerColumn(rollup), '=', partnerId)
    .where((eb) => whereSql(eb, rollup.where, 's', ctx))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/** Values of several partners in one grouped query; partners without rows are absent (value 0). */
export async function valuesForPartners(db: Db, rollup: BoundRollup, partnerIds: readonly number[], ctx: CompileContext): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (partnerIds.length === 0) return out;
  const rows = await groupedQuery(db, rollup, ctx, partnerIds).execute();
  for (const r of rows) out.set(Number(r.partner_id), Number(r.v ?? 0));
  return out;
}

/** Every partner's value, for batch jobs over a whole store (tier rules without a partner list). */
export async function valuesForAll(db: Db, rollup: BoundRollup, ctx: CompileContext): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const r of await groupedQuery(db, rollup, ctx).execute()) out.set(Number(r.partner_id), Number(r.v ?? 0));
  return out;
}

/**
 * The rows of a snapshot generation: one per partner with a matching row, with its program and ladder, as
 * `(ranking_key, partner_id, program_id, ladder, value)` (the column order of `rollup_values`).
 */
export function snapshotSelect(db: Db, rollup: BoundRollup, rowsKey: string, ctx: CompileContext, partnerIds?: readonly number[]) {
  return (db as unknown as Kysely<any>)
    .selectFrom(groupedQuery(db, rollup, ctx, partnerIds).as('a'))
    .innerJoin('partners as p', 'p.id', 'a.partner_id')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .select([
      sql<string>`cast(${rowsKey} as text)`.as('ranking_key'),
      'p.id as partner_id',
      'p.program_id',
      sql<string>`coalesce(pr.tier_group, '#program:' || cast(pr.id as text))`.as('ladder'),
      'a.v as value',
    ]);
}

export const snapshotInsertSql = 'insert into rollup_values (ranking_key, partner_id, program_id, ladder, value) values (?, ?, ?, ?, ?)';

/** INSERT ... SELECT of a snapshot generation (or of some partners' rows); returns the rows written. */
export async function insertSnapshotRows(db: Db, select: ReturnType<typeof snapshotSelect>): Promise<number> {
  const r = await db.insertInto('rollup_values').columns(['ranking_key', 'partner_id', 'program_id', 'ladder', 'value']).expression(select).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

export async function deleteSnapshotRows(db: Db, rowsKey: string, partnerIds: readonly number[]): Promise<void> {
  await db.deleteFrom('rollup_values').where('ranking_key', '=', rowsKey).where('partner_id', 'in', partnerIds).execute();
}

/** Key range of every generation of a ranking: `<key>@<stamp>` sorts between `<key>@` and `<key>A`. */
export function generationRange(key: string): [string, string] {
  return [`${key}@`, `${key}A`];
}

/** Deletes every generation of the ranking but `keep` (PostgreSQL: one statement, off the event loop). */
export async function purgeGenerations(db: Db, key: string, keep: string): Promise<void> {
  const [from, to] = generationRange(key);
  await db.deleteFrom('rollup_values').where('ranking_key', '>=', from).where('ranking_key', '<', to).where('ranking_key', '<>', keep).execute();
}

/** The same for the SQLite worker, a chunk at a time (parameters: from, to, keep, then the chunk size). */
export const purgeGenerationsChunkSql =
  'delete from rollup_values where rowid in (select rowid from rollup_values where ranking_key >= ? and ranking_key < ? and ranking_key <> ? limit ?)';

export async function countSnapshotRows(db: Db, rowsKey: string): Promise<number> {
  const row = await db.selectFrom('rollup_values').select((eb) => eb.fn.countAll<number>().as('n')).where('ranking_key', '=', rowsKey).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function snapshotKeys(db: Db): Promise<string[]> {
  return (await db.selectFrom('rollup_snapshots').select('ranking_key').execute()).map((r) => r.ranking_key);
}

export async function deleteSnapshotInfo(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rollup_snapshots').where('ranking_key', '=', key).execute();
}

export async function readSnapshotInfo(db: Db, key: string) {
  return db.selectFrom('rollup_snapshots').selectAll().where('ranking_key', '=', key).executeTakeFirst();
}

export async function writeSnapshotInfo(db: Db, row: Database['rollup_snapshots'] extends infer T ? { [K in keyof T]: T[K] } : never): Promise<void> {
  const { ranking_key: _key, ...rest } = row;
  await db.insertInto('rollup_snapshots').values(row).onConflict((oc) => oc.column('ranking_key').doUpdateSet(rest)).execute();
}

/**
 * What the snapshot of a source depends on, read from indexes only (max id / max updated_at): changes when a
 * row of the source or a partner is added or updated, a program changes, or a sync bumps `blocks.data_version`.
 */
export async function readDataVersion(db: Db, table: 'commissions' | 'contacts' | 'open_orders'): Promise<string> {
  const t = sql.table(table);
  const { rows } = await sql<{ a: number | null; b: number | null; c: number | null; d: number | null; e: number | null; f: string | null }>`
    select (select max(id) from ${t}) as a, (select max(updated_at) from ${t}) as b,
           (select max(id) from partners) as c, (select max(updated_at) from partners) as d,
           (select max(updated_at) from programs) as e,
           (select value_json from kv where key = 'blocks.data_version') as f`.execute(db);
  const r = rows[0]!;
  return [r.a, r.b, r.c, r.d, r.e, r.f].map((v) => (v === null || v === undefined ? '-' : String(v))).join(':');
}

/** Marks every snapshot out of date (after a sync that may have deleted rows, which no max() notices). */
export async function bumpDataVersion(db: Db, now: number): Promise<void> {
  const value_json = JSON.stringify(`${now}-${Math.random().toString(36).slice(2, 10)}`);
  await db.insertInto('kv').values({ key: 'blocks.data_version', value_json, updated_at: now }).onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: now })).execute();
}
