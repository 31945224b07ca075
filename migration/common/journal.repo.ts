/**
 * Rows of `migration_journal`: one per (situation, step, item). Only these functions touch the table.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/store/index.js';

export type JournalStatus = 'done' | 'failed' | 'skipped';

export interface JournalEntry {
  step: string;
  item_key: string;
  status: JournalStatus;
}

/** The marks of whole steps (item `*`): a handful of rows, whatever the number of items. */
export async function loadStepEntries(db: Db, situation: string): Promise<JournalEntry[]> {
  return db.selectFrom('migration_journal').select(['step', 'item_key', 'status']).where('situation', '=', situation).where('item_key', '=', '*').execute();
}

/** Which of these items of a step are `done`, in chunks of 500 keys. */
export async function doneItemKeys(db: Db, situation: string, step: string, items: readonly string[]): Promise<Set<string>> {
  const done = new Set<string>();
  for (let i = 0; i < items.length; i += 500) {
    const part = items.slice(i, i + 500);
    const rows = await db.selectFrom('migration_journal').select('item_key').where('situation', '=', situation).where('step', '=', step).where('item_key', 'in', part).where('status', '=', 'done').execute();
    for (const r of rows) done.add(r.item_key);
  }
  return done;
}

export async function readDetails(db: Db, situation: string, step: string, item: string): Promise<{ status: JournalStatus; details: unknown; at: number } | undefined> {
  const row = await db.selectFrom('migration_journal').select(['status', 'details_json', 'at']).where('situation', '=', situation).where('step', '=', step).where('item_key', '=', item).executeTakeFirst();
  return row ? { status: row.status, details: row.details_json ? JSON.parse(row.details_json) : null, at: row.at } : undefined;
}

export async function upsertEntry(db: Db, row: { situation: string; step: string; item: string; status: JournalStatus; details: unknown; at: number }): Promise<void> {
  const details_json = row.details === undefined ? null : JSON.stringify(row.details);
  await db
    .insertInto('migration_journal')
    .values({ situation: row.situation, step: row.step, item_key: row.item, status: row.status, details_json, at: row.at })
    .onConflict((oc) => oc.columns(['situation', 'step', 'item_key']).doUpdateSet({ status: row.status, details_json, at: row.at }))
    .execute();
}

/** Many items of one step in one statement per 300 rows. */
export async function upsertEntries(db: Db, situation: string, step: string, rows: ReadonlyArray<{ item: string; status: JournalStatus; details?: unknown }>, at: number): Promise<void> {
  for (let i = 0; i < rows.length; i += 300) {
    const values = rows.slice(i, i + 300).map((r) => ({ situation, step, item_key: r.item, status: r.status, details_json: r.details === undefined ? null : JSON.stringify(r.details), at }));
    if (!values.length) continue;
    await db
      .insertInto('migration_journal')
      .values(values)
      .onConflict((oc) => oc.columns(['situation', 'step', 'item_key']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), details_json: eb.ref('excluded.details_json'), at: eb.ref('excluded.at') })))
      .execute();
  }
}

export async function deleteEntries(db: Db, situation: string, step: string, item?: string): Promise<number> {
  let q = db.deleteFrom('migration_journal').where('situation', '=', situation).where('step', '=', step);
  if (item !== undefined) q = q.where('item_key', '=', item);
  return Number((await q.executeTakeFirst()).numDeletedRows);
}

export async function countByStatus(db: Db, situation: string, step: string): Promise<Record<JournalStatus, number>> {
  const rows = await db
    .selectFrom('migration_journal')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('situation', '=', situation)
    .where('step', '=', step)
    .where('item_key', '<>', '*')
    .groupBy('status')
    .execute();
  const out: Record<JournalStatus, number> = { done: 0, failed: 0, skipped: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/** Failed and skipped items of a step with their reasons (for reports). */
export async function problemItems(db: Db, situation: string, step: string, limit = 10_000): Promise<Array<{ item_key: string; status: JournalStatus; details: unknown }>> {
  const rows = await db
    .selectFrom('migration_journal')
    .select(['item_key', 'status', 'details_json'])
    .where('situation', '=', situation)
    .where('step', '=', step)
    .where('status', '<>', 'done')
    .orderBy('item_key')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ item_key: r.item_key, status: r.status, details: r.details_json ? JSON.parse(r.details_json) : null }));
}

/** Items per step and status of one situation, the steps' own `*` marks apart (`whole`). */
export async function stepCounts(db: Db, situation: string): Promise<Array<{ step: string; status: JournalStatus; whole: boolean; n: number }>> {
  const whole = sql<number>`case when item_key = '*' then 1 else 0 end`;
  const rows = await db
    .selectFrom('migration_journal')
    .select((eb) => ['step', 'status', whole.as('whole'), eb.fn.countAll<number>().as('n')])
    .where('situation', '=', situation)
    .groupBy(['step', 'status', whole])
    .execute();
  return rows.map((r) => ({ step: r.step, status: r.status, whole: Number(r.whole) === 1, n: Number(r.n) }));
}
