/**
 * Leases: one holder at a time for a named job (the scheduled sync, the outbox sender) across every gateway
 * instance sharing the store. Taking a lease is one conditional upsert, so two instances cannot both win.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/** Takes or renews `name` for `holder` until now + ttlMs. Returns true when `holder` now owns it. */
export async function acquireLease(db: Kysely<Database>, name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  await db
    .insertInto('job_leases')
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ holder, expires_at: now + ttlMs }).where((eb) =>
        eb.or([eb('job_leases.holder', '=', holder), eb('job_leases.expires_at', '<', now)]),
      ),
    )
    .execute();
  const row = await db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst();
  return row?.holder === holder;
}

export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/** Reads a JSON value from the small key/value table. */
export async function getKv<T>(db: Kysely<Database>, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('kv').select('value_json').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value_json) as T) : undefined;
}

export async function setKv(db: Kysely<Database>, key: string, value: unknown, now = Date.now()): Promise<void> {
  const value_json = JSON.stringify(value);
  await db
    .insertInto('kv')
    .values({ key, value_json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: now }))
    .execute();
}

export { sql };
