/**
 * Ontraport write-back of a partner's program (tier upgrades). Adapter with the signature of
 * `queueContactUpdate(db, { idempotencyKey, contactOntraportId, fields })` that src/ontraport/index.ts is to
 * export: until it does, this inserts the same row into `ontraport_outbox` (object type 0 = contact) in the
 * caller's transaction, and the Ontraport outbox worker sends it. Swap the body for the real call when it lands.
 */
import type { Db } from '../store/index.js';

const CONTACT_OBJECT = 0;

export async function queueContactUpdate(db: Db, input: { idempotencyKey: string; contactOntraportId: number; fields: Record<string, string | number | null> }, now: number): Promise<void> {
  await db
    .insertInto('ontraport_outbox')
    .values({
      idempotency_key: input.idempotencyKey,
      object_type: CONTACT_OBJECT,
      record_id: input.contactOntraportId,
      fields_json: JSON.stringify(input.fields),
      status: 'queued',
      attempts: 0,
      last_error: null,
      created_at: now,
      next_attempt_at: now,
      done_at: null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}

/** Status of a queued write-back (`queued`, `done`, `failed`), or undefined when there is none. */
export async function writeBackStatus(db: Db, idempotencyKey: string): Promise<string | undefined> {
  const row = await db.selectFrom('ontraport_outbox').select('status').where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row?.status;
}
