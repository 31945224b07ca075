/** The signed-in partner's own rows: partner, contact, program, account, and the programs of its tier ladder. */
import { sql } from 'kysely';
import { compiledOnce, type Program } from '../../store/index.js';
import type { Db } from './db.js';

export interface PartnerProfileRow {
  id: number;
  referral_code: string;
  program_id: number;
  paypal_email: string | null;
  status: 'active' | 'inactive';
  time_zone: string | null;
  alias: string | null;
  created_at: number;
  contact_id: number;
  contact_ontraport_id: number | null;
  first_name: string;
  last_name: string;
  contact_email: string | null;
  program_name: string;
  currency: string;
  rate_bp: number;
  tier_group: string | null;
  level_order: number;
}

/** One primary-key join: the partner with its contact and program. */
const partnerProfile = compiledOnce((db, partnerId: number) =>
  db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .innerJoin('programs as g', 'g.id', 'p.program_id')
    .select([
      'p.id', 'p.referral_code', 'p.program_id', 'p.paypal_email', 'p.status', 'p.time_zone', 'p.alias', 'p.created_at',
      'c.id as contact_id', 'c.ontraport_id as contact_ontraport_id', 'c.first_name', 'c.last_name', 'c.email as contact_email',
      'g.name as program_name', 'g.currency', 'g.rate_bp', 'g.tier_group', 'g.level_order',
    ])
    .where('p.id', '=', partnerId),
);

export async function findPartnerProfile(db: Db, partnerId: number): Promise<PartnerProfileRow | undefined> {
  return (await partnerProfile(db, partnerId))[0];
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
