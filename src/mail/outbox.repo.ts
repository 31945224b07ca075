/** Email outbox rows. Only these functions touch `email_outbox`. */
import { sql } from 'kysely';
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

/**
 * Moves up to `limit` due rows from queued to sending in one statement and returns them. The `status = queued`
 * test is made again on each row as it is updated, so two drainers racing for the same rows (PostgreSQL, read
 * committed) each get a row or nothing, never the same one.
 */
export async function claimDue(db: Db, now: number, limit: number): Promise<EmailOutbox[]> {
  const due = db.selectFrom('email_outbox').select('id').where('status', '=', 'queued').where('next_attempt_at', '<=', now).orderBy('id').limit(limit);
  const rows = await db
    .updateTable('email_outbox')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), next_attempt_at: now }))
    .where('id', 'in', due)
    .where('status', '=', 'queued')
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Marks rows sent in one statement and drops their parameters. Their Message-ID is the one the outbox gave each
 * (`<partnergate-outbox-<id>@<domain>>`), written from the id rather than bound once per row.
 */
export async function markSentMany(db: Db, ids: readonly number[], domain: string, now: number): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('email_outbox')
    .set({ status: 'sent', sent_at: now, last_error: null, params_json: SENT_PARAMS, message_id: sql<string>`'<partnergate-outbox-' || id || ${`@${domain}>`}` })
    .where('id', 'in', ids)
    .where('status', '=', 'sending')
    .execute();
}

export interface OutboxCounts {
  queued: number;
  /** Queued after a temporary SMTP error: waiting for their next attempt. */
  retrying: number;
  sending: number;
  sent: number;
  failed: number;
}

export async function countByStatus(db: Db): Promise<OutboxCounts> {
  const rows = await db
    .selectFrom('email_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>(eb.case().when('attempts', '>', 0).then(1).else(0).end()).as('retried')])
    .groupBy('status')
    .execute();
  const out: OutboxCounts = { queued: 0, retrying: 0, sending: 0, sent: 0, failed: 0 };
  for (const r of rows) {
    if (r.status in out) out[r.status as keyof OutboxCounts] = Number(r.n);
    if (r.status === 'queued') out.retrying = Number(r.retried ?? 0);
  }
  return out;
}

/** Due rows now and the oldest queued row's age. */
export async function queueFacts(db: Db, now: number): Promise<{ due: number; oldestQueuedAt: number | null }> {
  const row = await db
    .selectFrom('email_outbox')
    .select((eb) => [eb.fn.sum<number>(eb.case().when('next_attempt_at', '<=', now).then(1).else(0).end()).as('due'), eb.fn.min<number>('created_at').as('oldest')])
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return { due: Number(row?.due ?? 0), oldestQueuedAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
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

