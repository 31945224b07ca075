/**
 * Write-back to Ontraport through an outbox: a change (a partner's PayPal address `aff_paypal`, a program
 * change decided by tier rules) is queued in the same transaction as the local change that causes it, then
 * sent by {@link processOntraportOutbox}.
 *
 * Never the same change twice:
 * - One row per idempotency key (unique index): asking again for the same logical change queues nothing.
 * - A sender claims a row (conditional update) before sending; two senders cannot send it at once.
 * - The row is marked done by the statement that follows Ontraport's confirmation.
 * - A crash between Ontraport's confirmation and that statement leaves the row queued; it is sent again once
 *   its claim expires. That second send is harmless because the write itself is idempotent: `PUT /objects`
 *   sets fields to values (it does not add or toggle), and setting `aff_paypal` to the same address twice
 *   leaves the same record. Later changes of the same record wait until earlier ones are done, so a resend
 *   can never put back an older value over a newer one.
 */
import { AppError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Store } from '../../store/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/tables.js';
import type { OntraportClient } from '../client.js';
import { ObjectType } from '../types.js';
import { claimOutboxRow, findOutboxRow, insertOutboxRow, markOutboxDone, markOutboxRetry, selectDueOutboxRows, type OutboxRow } from './repository.js';

export type FieldValue = string | number | null;

export interface ContactUpdate {
  /** Names this logical change, e.g. `paypal:partner:42:<confirmation token id>`. */
  idempotencyKey: string;
  contactOntraportId: number;
  /** Ontraport contact fields, e.g. `{ aff_paypal: 'ada@example.com' }` or `{ program_id: 3 }`. */
  fields: Record<string, FieldValue>;
  now?: number;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Queues a contact update. Returns the row id and whether this call queued it (false: already queued). */
export async function queueContactUpdate(db: Kysely<Database> | Transaction<Database>, update: ContactUpdate): Promise<{ id: number; queued: boolean }> {
  const key = update.idempotencyKey?.trim();
  if (!key || key.length > 200) throw new AppError('request.invalid_field', 'idempotencyKey: must be 1 to 200 characters', { field: 'idempotencyKey' });
  if (!Number.isSafeInteger(update.contactOntraportId) || update.contactOntraportId <= 0) {
    throw new AppError('request.invalid_field', 'contactOntraportId: must be a positive Ontraport contact id', { field: 'contactOntraportId' });
  }
  const entries = Object.entries(update.fields ?? {});
  if (!entries.length) throw new AppError('request.invalid_field', 'fields: nothing to update', { field: 'fields' });
  for (const [name, value] of entries) {
    if (!FIELD_NAME.test(name) || name === 'id' || name === 'objectID') throw new AppError('request.invalid_field', `fields: "${name}" is not an Ontraport field name`, { field: 'fields' });
    if (value !== null && typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new AppError('request.invalid_field', `fields.${name}: must be text, a number or null`, { field: `fields.${name}` });
    }
  }
  const fieldsJson = JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))));
  const result = await insertOutboxRow(db, { idempotencyKey: key, objectType: ObjectType.Contact, recordId: update.contactOntraportId, fieldsJson, now: update.now ?? Date.now() });
  if (!result.created) {
    const existing = await findOutboxRow(db, key);
    if (existing && (existing.fields_json !== fieldsJson || Number(existing.record_id) !== update.contactOntraportId)) {
      throw new AppError('conflict', `idempotencyKey: "${key}" was already used for a different change`, { field: 'idempotencyKey' });
    }
  }
  return { id: result.id, queued: result.created };
}

export interface OutboxDeps {
  store: Pick<Store, 'db'>;
  client: OntraportClient;
  logger: Logger;
}

export interface ProcessOutboxOptions {
  /** Rows looked at per query (default 50). */
  batchSize?: number;
  /** At most this many rows per call (default 500). */
  maxRows?: number;
  /** Attempts before a row is given up (status `failed`, default 8). */
  maxAttempts?: number;
  /** First retry delay (default 30 s), doubled per attempt with jitter, capped at `maxDelayMs` (default 6 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a claimed row is left alone by other senders (default 10 min: longer than any request with its retries). */
  claimTtlMs?: number;
  now?: () => number;
}

export interface OutboxResult {
  sent: number;
  retrying: number;
  gaveUp: number;
  /** Set when the batch stopped early, e.g. `ontraport.auth_failed` (a wrong key: no point trying the rest). */
  stoppedBy?: string;
}

export async function processOntraportOutbox(deps: OutboxDeps, options: ProcessOutboxOptions = {}): Promise<OutboxResult> {
  const db = deps.store.db;
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelayMs ?? 30_000;
  const maxDelay = options.maxDelayMs ?? 6 * 3_600_000;
  const claimTtl = options.claimTtlMs ?? 10 * 60_000;
  const result: OutboxResult = { sent: 0, retrying: 0, gaveUp: 0 };
  let handled = 0;
  for (;;) {
    const rows = await selectDueOutboxRows(db, now(), options.batchSize ?? 50);
    if (!rows.length) break;
    let progressed = false;
    for (const row of rows) {
      if (handled >= (options.maxRows ?? 500)) return result;
      if (!(await claimOutboxRow(db, row, now() + claimTtl))) continue;
      handled++;
      progressed = true;
      const outcome = await sendRow(deps, row);
      if (outcome === 'sent') {
        await markOutboxDone(db, row.id, now());
        result.sent++;
        continue;
      }
      const attempts = row.attempts + 1;
      const giveUp = attempts >= maxAttempts && outcome.code !== 'ontraport.auth_failed';
      const delay = Math.min(maxDelay, baseDelay * 2 ** (attempts - 1));
      await markOutboxRetry(db, row.id, outcome.message, now() + Math.round(delay / 2 + Math.random() * (delay / 2)), giveUp);
      if (giveUp) {
        result.gaveUp++;
        deps.logger.error({ outboxId: row.id, key: row.idempotency_key, attempts, error: outcome.message }, 'ontraport write-back given up');
      } else {
        result.retrying++;
      }
      if (outcome.code === 'ontraport.auth_failed') {
        result.stoppedBy = outcome.code;
        return result;
      }
    }
    if (!progressed) break;
  }
  return result;
}

async function sendRow(deps: OutboxDeps, row: OutboxRow): Promise<'sent' | { code: string; message: string }> {
  let fields: Record<string, FieldValue>;
  try {
    fields = JSON.parse(row.fields_json) as Record<string, FieldValue>;
  } catch {
    return { code: 'internal', message: 'fields_json is not JSON' };
  }
  try {
    await deps.client.updateObject(row.object_type, Number(row.record_id), fields);
    return 'sent';
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'internal';
    deps.logger.warn({ outboxId: row.id, key: row.idempotency_key, code, error: (err as Error).message }, 'ontraport write-back failed');
    return { code, message: (err as Error).message };
  }
}
