/** Email outbox rows. Only these functions touch `email_outbox`. */
import type { EmailOutbox } from '../store/index.js';
import type { Db } from '../store/index.js';

/** What a sent row's parameters become. */
export const SENT_PARAMS = '{}';

/** Inserts unless a row with the same idempotency key exists. Returns true when this call queued it. */
export async function insertIfAbsent(db: Db, row: { idempotency_key: string; to_address: string; template: string; params_json: string; now: number }): Promise<boolean> {
  const r = await db
    .insertInto('email_outbox')
    .values({ idempotency_key: row.idempotency_key, to_address: row.to_address, template: row.template, params_json: row.params_json, status: 'queued', attempts: 0, created_at: row.now, next_attempt_at: row.now, last_error: null, message_id: null, sent_at: null })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Inserts many rows at once, skipping keys already queued; returns the keys this call queued. */
export async function insertManyIfAbsent(db: Db, rows: ReadonlyArray<{ idempotency_key: string; to_address: string; template: string; params_json: string; now: number }>): Promise<Set<string>> {
  const queued = new Set<string>();
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((row) => ({ idempotency_key: row.idempotency_key, to_address: row.to_address, template: row.template, params_json: row.params_json, status: 'queued' as const, attempts: 0, created_at: row.now, next_attempt_at: row.now, last_error: null, message_id: null, sent_at: null }));
    if (!values.length) continue;
    const inserted = await db.insertInto('email_outbox').values(values).onConflict((oc) => oc.column('idempotency_key').doNothing()).returning('idempotency_key').execute();
    for (const r of inserted) queued.add(r.idempotency_key);
  }
  return queued;
}

export async function findByKeys(db: Db, keys: readonly string[]): Promise<EmailOutbox[]> {
  const out: EmailOutbox[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    if (part.length) out.push(...(await db.selectFrom('email_outbox').selectAll().where('idempotency_key', 'in', part).execute()));
  }
  return out;
}

export async function findByKey(db: Db, key: string): Promise<EmailOutbox | undefined> {
  return db.selectFrom('email_outbox').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

export async function dueIds(db: Db, now: number, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('email_outbox').select('id').where('status', '=', 'queued').where('next_attempt_at', '<=', now).orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Moves one row from queued to sending; false when another worker took it first. */
export async function claim(db: Db, id: number, now: number): Promise<EmailOutbox | undefined> {
  const r = await db
    .updateTable('email_outbox')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), next_attempt_at: now }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Marks a row sent and drops its parameters: once the message is out, the store keeps no copy of its links. */
export async function markSent(db: Db, id: number, messageId: string | null, now: number): Promise<void> {
  await db.updateTable('email_outbox').set({ status: 'sent', sent_at: now, message_id: messageId, last_error: null, params_json: SENT_PARAMS }).where('id', '=', id).execute();
}

export async function markRetry(db: Db, id: number, error: string, nextAttemptAt: number, final: boolean): Promise<void> {
  await db.updateTable('email_outbox').set({ status: final ? 'failed' : 'queued', last_error: error.slice(0, 500), next_attempt_at: nextAttemptAt }).where('id', '=', id).execute();
}

/** Rows left in `sending` by a crash: we cannot know whether the SMTP server took them. */
export async function markInterrupted(db: Db, olderThan: number): Promise<number> {
  const r = await db
    .updateTable('email_outbox')
    .set({ status: 'failed', last_error: 'interrupted while sending; not retried automatically so that no one gets it twice (resend explicitly)' })
    .where('status', '=', 'sending')
    .where('next_attempt_at', '<', olderThan)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Puts a failed or sent row back in the queue (an explicit resend by an admin). */
export async function requeue(db: Db, key: string, now: number): Promise<boolean> {
  const r = await db.updateTable('email_outbox').set({ status: 'queued', next_attempt_at: now, last_error: null }).where('idempotency_key', '=', key).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

