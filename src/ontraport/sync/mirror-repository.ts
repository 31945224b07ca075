/**
 * Repository: writing mirrored rows. Upserts are keyed on `ontraport_id` (partial unique index: rows made
 * here have none), write only the columns Ontraport owns (local ones such as a program's tier ladder or a
 * commission's payout stay untouched), and stamp `synced_at` with the run's marker. After a full run, rows
 * with an older marker were not in Ontraport any more: they are removed, except rows something still points
 * to (a program with partners, a contact that is a partner or bought a stored purchase, a commission already
 * in a payout), which are kept and reported.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../../store/index.js';

export type MirrorTable = 'programs' | 'contacts' | 'products' | 'purchases' | 'commissions' | 'open_orders' | 'promo_tools';

/** Insert-or-update rows by `ontraport_id`; `updateColumns` are overwritten on conflict. */
export async function upsertMirrored(trx: Db, table: MirrorTable, rows: ReadonlyArray<Record<string, unknown>>, updateColumns: readonly string[]): Promise<void> {
  if (!rows.length) return;
  const db = trx as unknown as Kysely<any>;
  await db
    .insertInto(table)
    .values(rows as Record<string, unknown>[])
    .onConflict((oc) =>
      oc
        .column('ontraport_id')
        .where('ontraport_id', 'is not', null)
        .doUpdateSet((eb) => Object.fromEntries(updateColumns.map((c) => [c, eb.ref(`excluded.${c}`)]))),
    )
    .execute();
}

export async function touchMirrored(trx: Db, table: MirrorTable, ontraportIds: readonly number[], marker: number): Promise<void> {
  if (!ontraportIds.length) return;
  const db = trx as unknown as Kysely<any>;
  await db.updateTable(table).set({ synced_at: marker }).where('ontraport_id', 'in', [...ontraportIds]).execute();
}

/** Mirrored rows (with an Ontraport id) and how many the run with `marker` did not see. */
export async function countUnseenMirrored(db: Db, table: MirrorTable, marker: number): Promise<{ unseen: number; total: number }> {
  const row = await sql<{ total: number | string; unseen: number | string }>`
    select count(*) as total,
           sum(case when synced_at is null or synced_at < ${marker} then 1 else 0 end) as unseen
    from ${sql.table(table)} where ontraport_id is not null`.execute(db);
  return { total: Number(row.rows[0]?.total ?? 0), unseen: Number(row.rows[0]?.unseen ?? 0) };
}

/** Which unseen rows must stay because something refers to them. */
const keepWhenReferenced: Partial<Record<MirrorTable, { sql: ReturnType<typeof sql>; why: string }>> = {
  programs: { sql: sql`id in (select program_id from partners)`, why: 'programs still have partners' },
  contacts: { sql: sql`(id in (select contact_id from partners) or id in (select contact_id from purchases))`, why: 'contacts are partners or buyers of stored purchases' },
  commissions: { sql: sql`payout_id is not null`, why: 'commissions are part of a payout' },
};

export async function removeUnseenMirrored(db: Db, table: MirrorTable, marker: number): Promise<{ removed: number; kept: number; note?: string }> {
  const unseen = sql`ontraport_id is not null and (synced_at is null or synced_at < ${marker})`;
  const guard = keepWhenReferenced[table];
  let kept = 0;
  if (guard) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${unseen} and ${guard.sql}`.execute(db);
    kept = Number(r.rows[0]?.n ?? 0);
  }
  const result = await sql`delete from ${sql.table(table)} where ${unseen}${guard ? sql` and not (${guard.sql})` : sql``}`.execute(db);
  const removed = Number(result.numAffectedRows ?? 0n);
  return { removed, kept, note: kept ? `${kept} ${guard!.why} and were kept although no longer in Ontraport` : undefined };
}
