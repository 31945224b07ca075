/** Account rows and the partner look-ups sign-in needs. Only these functions touch `accounts` for sign-in. */
import { sql } from 'kysely';
import type { Account, AccountUpdate } from '../store/index.js';
import type { Db } from '../store/index.js';

/** Emails are compared case-insensitively (`lower(email)` is indexed by migration 0400). */
export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export async function findAccountById(db: Db, id: number): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAccountByOidcSubject(db: Db, subject: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
}

export async function findAccountByPartnerId(db: Db, partnerId: number): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
}

export async function insertPartnerAccount(db: Db, row: { partnerId: number; email: string; now: number; oidcSubject?: string | null }): Promise<Account> {
  return db
    .insertInto('accounts')
    .values({
      partner_id: row.partnerId,
      email: row.email,
      role: 'partner',
      password_hash: null,
      totp_secret: null,
      totp_enabled: 0,
      totp_recovery_json: null,
      oidc_subject: row.oidcSubject ?? null,
      created_at: row.now,
      password_changed_at: null,
      disabled_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateAccount(db: Db, id: number, fields: AccountUpdate): Promise<void> {
  await db.updateTable('accounts').set(fields).where('id', '=', id).execute();
}

/** Stores a new enrolment secret, only while two-factor is off (an enabled secret is never replaced). */
export async function startTotpEnrolment(db: Db, id: number, secret: string): Promise<boolean> {
  const r = await db
    .updateTable('accounts')
    .set({ totp_secret: secret, totp_enabled: 0, totp_recovery_json: null, totp_last_step: null })
    .where('id', '=', id)
    .where('totp_enabled', '=', 0)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Turns two-factor on for the secret the partner confirmed, only if it is still the pending one. */
export async function enableTotp(db: Db, id: number, secret: string, fields: { totp_recovery_json: string; totp_last_step: number }): Promise<boolean> {
  const r = await db
    .updateTable('accounts')
    .set({ totp_enabled: 1, ...fields })
    .where('id', '=', id)
    .where('totp_enabled', '=', 0)
    .where('totp_secret', '=', secret)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Replaces a stored TOTP seed by the same seed sealed anew, unless it changed meanwhile. */
export async function replaceTotpSecret(db: Db, id: number, expected: string, next: string): Promise<void> {
  await db.updateTable('accounts').set({ totp_secret: next }).where('id', '=', id).where('totp_secret', '=', expected).execute();
}

/** Accounts whose TOTP seed is not sealed under the current data key (plain, or under the previous key). */
export async function findStaleTotpSecrets(db: Db, currentPrefix: string, limit: number): Promise<Array<{ id: number; totp_secret: string }>> {
  const rows = await db.selectFrom('accounts').select(['id', 'totp_secret']).where('totp_secret', 'is not', null).where('totp_secret', 'not like', `${currentPrefix}%`).orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, totp_secret: r.totp_secret! }));
}

/** Binds the account to a WordPress user id on first use; false when it is bound to another one. */
export async function bindWpUser(db: Db, id: number, wpUserId: string): Promise<boolean> {
  await db.updateTable('accounts').set({ wp_user_id: wpUserId }).where('id', '=', id).where('wp_user_id', 'is', null).execute();
  const row = await db.selectFrom('accounts').select('wp_user_id').where('id', '=', id).executeTakeFirst();
  return row?.wp_user_id === wpUserId;
}

/** Records a TOTP step as used; false when this step (or a later one) was already used: a replayed code. */
export async function claimTotpStep(db: Db, id: number, step: number): Promise<boolean> {
  const r = await db
    .updateTable('accounts')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Replaces the recovery codes only if they are still what the caller read (two tabs cannot both use one code). */
export async function replaceRecoveryCodes(db: Db, id: number, expectedJson: string | null, nextJson: string | null): Promise<boolean> {
  let q = db.updateTable('accounts').set({ totp_recovery_json: nextJson }).where('id', '=', id);
  q = expectedJson === null ? q.where('totp_recovery_json', 'is', null) : q.where('totp_recovery_json', '=', expectedJson);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface PartnerByEmail {
  partnerId: number;
  status: 'active' | 'inactive';
}

/** Partners whose Ontraport contact has this email (normally one; more means duplicate contacts). */
export async function findPartnersByContactEmail(db: Db, email: string): Promise<PartnerByEmail[]> {
  const rows = await db
    .selectFrom('partners')
    .innerJoin('contacts', 'contacts.id', 'partners.contact_id')
    .select(['partners.id as partnerId', 'partners.status as status'])
    .where(sql<string>`lower(contacts.email)`, '=', email.toLowerCase())
    .orderBy('partners.id')
    .limit(5)
    .execute();
  return rows;
}

/** The language the account's partner chose (null: none, or an account without a partner), for emails to them. */
export async function findPartnerLocale(db: Db, partnerId: number | null): Promise<string | null> {
  if (partnerId === null) return null;
  const row = await db.selectFrom('partners').select('locale').where('id', '=', partnerId).executeTakeFirst();
  return row?.locale ?? null;
}
