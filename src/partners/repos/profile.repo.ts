/** The signed-in partner's own rows as settings changes read them: partner, contact, account, and the programs of its tier ladder. */
import { sql } from 'kysely';
import type { Program } from '../../store/index.js';
import type { Db } from './db.js';

export interface PartnerForChangeRow {
  id: number;
  paypal_email: string | null;
  contact_ontraport_id: number | null;
  first_name: string;
  last_name: string;
}

/** The partner and its contact as a settings change reads them, inside its transaction. */
export async function findPartnerForChange(db: Db, partnerId: number): Promise<PartnerForChangeRow | undefined> {
  return db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .select(['p.id', 'p.paypal_email', 'c.ontraport_id as contact_ontraport_id', 'c.first_name', 'c.last_name'])
    .where('p.id', '=', partnerId)
    .executeTakeFirst();
}

/** The programs of one tier ladder, entry level first. */
export async function listTierLadder(db: Db, tierGroup: string): Promise<Program[]> {
  return db.selectFrom('programs').selectAll().where('tier_group', '=', tierGroup).orderBy('level_order').orderBy('id').execute();
}

export interface AccountRow {
  id: number;
  email: string;
  password_hash: string | null;
  oidc_subject: string | null;
}

export async function findAccount(db: Db, accountId: number): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').select(['id', 'email', 'password_hash', 'oidc_subject']).where('id', '=', accountId).executeTakeFirst();
}

export async function findAccountIdByEmail(db: Db, email: string): Promise<number | undefined> {
  // Sign-in compares emails case-insensitively (index accounts_email_lower_ix, migration 0400).
  const row = await db.selectFrom('accounts').select('id').where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  return row?.id;
}

export async function updateAccountEmail(db: Db, accountId: number, email: string): Promise<void> {
  await db.updateTable('accounts').set({ email }).where('id', '=', accountId).execute();
}

export async function updatePartnerPaypalEmail(db: Db, partnerId: number, paypalEmail: string, now: number): Promise<void> {
  await db.updateTable('partners').set({ paypal_email: paypalEmail, updated_at: now }).where('id', '=', partnerId).execute();
}

export async function updatePartnerTimeZone(db: Db, partnerId: number, timeZone: string | null, now: number): Promise<void> {
  await db.updateTable('partners').set({ time_zone: timeZone, updated_at: now }).where('id', '=', partnerId).execute();
}

export async function updatePartnerLocale(db: Db, partnerId: number, locale: string | null, now: number): Promise<void> {
  await db.updateTable('partners').set({ locale, updated_at: now }).where('id', '=', partnerId).execute();
}
