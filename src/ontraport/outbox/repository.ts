/**
 * Repository: the `ontraport_outbox` table (write-backs waiting to be sent to Ontraport).
 * A row is queued once per idempotency key (unique index), claimed by one sender at a time (a conditional
 * update of `next_attempt_at`), and marked done by the statement that follows Ontraport's confirmation.
 * Rows of one record are sent in the order they were queued: a later change waits for an earlier one.
 */
import { sql } from 'kysely';
import type { OntraportOutboxTable } from '../../store/tables.js';
import type { Selectable } from 'kysely';
import type { Db } from '../../store/index.js';

export type OutboxRow = Selectable<OntraportOutboxTable>;

export async function insertOutboxRow(
  db: Db,
  row: { idempotencyKey: string; objectType: number; recordId: number; fieldsJson: string; now: number },
): Promise<{ id: number; created: boolean }> {
  const inserted = await db
    .insertInto('ontraport_outbox')
    .values({
      idempotency_key: row.idempotencyKey,
      object_type: row.objectType,
      record_id: row.recordId,
      fields_json: row.fieldsJson,
      status: 'queued',
      attempts: 0,
      last_error: null,
      created_at: row.now,
      next_attempt_at: row.now,
      done_at: null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('ontraport_outbox').select('id').where('idempotency_key', '=', row.idempotencyKey).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

export async function findOutboxRow(db: Db, idempotencyKey: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('ontraport_outbox').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

/** Queued rows that are due and not waiting behind an earlier queued row of the same record. */
export async function selectDueOutboxRows(db: Db, now: number, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('ontraport_outbox as o')
    .selectAll('o')
    .where('o.status', '=', 'queued')
    .where('o.next_attempt_at', '<=', now)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ontraport_outbox as e')
            .select(sql`1`.as('one'))
            .where('e.status', '=', 'queued')
            .whereRef('e.object_type', '=', 'o.object_type')
            .whereRef('e.record_id', '=', 'o.record_id')
            .whereRef('e.id', '<', 'o.id'),
        ),
      ),
    )
    .orderBy('o.id')
    .limit(limit)
    .execute();
}

/**
 * Takes the row for this sender until `until` (another sender, or a crash, cannot send it before then).
 * Returns false when someone else claimed it first.
 */
export async function claimOutboxRow(db: Db, row: OutboxRow, until: number): Promise<boolean> {
  const result = await db
    .updateTable('ontraport_outbox')
    .set({ next_attempt_at: until, attempts: row.attempts + 1 })
    .where('id', '=', row.id)
    .where('status', '=', 'queued')
    .where('next_attempt_at', '=', row.next_attempt_at)
    .where('attempts', '=', row.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markOutboxDone(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('ontraport_outbox').set({ status: 'done', done_at: now, last_error: null }).where('id', '=', id).where('status', '=', 'queued').execute();
}

export async function markOutboxRetry(db: Db, id: number, error: string, nextAttemptAt: number, giveUp: boolean): Promise<void> {
  await db
    .updateTable('ontraport_outbox')
    .set({ status: giveUp ? 'failed' : 'queued', last_error: error.slice(0, 1000), next_attempt_at: nextAttemptAt })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/** Fields of queued (not yet confirmed) write-backs, by record: the sync must not overwrite them locally. */
export async function pendingOutboxFields(db: Db, objectType: number, recordIds: readonly number[]): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  if (!recordIds.length) return out;
  const rows = await db
    .selectFrom('ontraport_outbox')
    .select(['record_id', 'fields_json'])
    .where('status', '=', 'queued')
    .where('object_type', '=', objectType)
    .where('record_id', 'in', [...recordIds])
    .execute();
  for (const row of rows) {
    const set = out.get(Number(row.record_id)) ?? new Set<string>();
    try {
      for (const key of Object.keys(JSON.parse(row.fields_json) as object)) set.add(key);
    } catch {
      /* a row we could not read protects nothing */
    }
    out.set(Number(row.record_id), set);
  }
  return out;
}

/** Write-backs by state (`queued`, `done`, `failed`; 0 for a state no row is in): the admin area's sync page. */
export async function countOntraportOutbox(db: Db): Promise<{ queued: number; done: number; failed: number }> {
  const rows = await db.selectFrom('ontraport_outbox').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const out = { queued: 0, done: 0, failed: 0 };
  for (const r of rows) if (r.status in out) out[r.status as keyof typeof out] = Number(r.n);
  return out;
}
