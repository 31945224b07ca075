/**
 * Small partner fixtures for the admin and migration tests: programs, contacts and partners as the Ontraport
 * sync leaves them, and a cleaner that also empties the tables of migration 0800.
 */
import { sql } from 'kysely';
import type { Store } from '../../../src/store/index.js';
import { clearTables } from '../../support/store.js';

export interface PartnerSeed {
  email: string | null;
  firstName?: string;
  lastName?: string;
  program?: string;
  status?: 'active' | 'inactive';
  paypal?: string | null;
  /** Ontraport contact id (referral code); default 1000 + index. */
  contactOntraportId?: number;
}

export async function ensureProgram(store: Store, name: string, now = Date.now()): Promise<number> {
  const found = await store.db.selectFrom('programs').select('id').where('name', '=', name).executeTakeFirst();
  if (found) return found.id;
  const r = await store.db
    .insertInto('programs')
    .values({ ontraport_id: null, name, currency: 'USD', tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now, synced_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Inserts contacts + partners; returns partner ids in order. */
export async function seedPartners(store: Store, seeds: PartnerSeed[]): Promise<number[]> {
  const now = Date.now();
  const max = await store.db.selectFrom('contacts').select((eb) => eb.fn.max('ontraport_id').as('m')).executeTakeFirst();
  let nextOntraport = Math.max(1000, Number(max?.m ?? 0) + 1);
  const ids: number[] = [];
  for (const s of seeds) {
    const programId = await ensureProgram(store, s.program ?? 'Affiliates', now);
    const ontraportId = s.contactOntraportId ?? nextOntraport++;
    const contact = await store.db
      .insertInto('contacts')
      .values({ ontraport_id: ontraportId, first_name: s.firstName ?? 'Pat', last_name: s.lastName ?? `Partner${ontraportId}`, email: s.email, first_referrer_id: null, last_referrer_id: null, added_at: now, updated_at: now, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const partner = await store.db
      .insertInto('partners')
      .values({ contact_id: contact.id, referral_code: String(ontraportId), program_id: programId, paypal_email: s.paypal ?? null, status: s.status ?? 'active', time_zone: null, alias: null, created_at: now, updated_at: now, synced_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(partner.id);
  }
  return ids;
}

export async function clearAll(store: Store): Promise<void> {
  await sql`delete from legacy_wp_users`.execute(store.db);
  await sql`delete from partner_sub_ids`.execute(store.db);
  await clearTables(store);
}

/** Collects what a CLI run printed. */
export function captureIo() {
  const chunks = { out: '', err: '' };
  return {
    chunks,
    stdout: { write: (s: string) => ((chunks.out += s), true), isTTY: false } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((chunks.err += s), true), isTTY: false } as unknown as NodeJS.WritableStream,
  };
}
