/**
 * Queries behind issuing, resending and revoking partner credentials (the `accounts` and `partners` rows;
 * tokens go through one-time-tokens.ts, sessions through sessions.repo.ts, the audit log through audit.ts). Lists of ids are read in chunks: SQLite and PostgreSQL cap
 * the number of bound parameters, and a migration may name 100,000 partners.
 */
import type { Db } from '../../store/index.js';

export const ID_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** What issuing needs to know about one partner: contact email and name, and the account if any. */
export interface PartnerCredentialRow {
  partner_id: number;
  partner_status: 'active' | 'inactive';
  contact_email: string | null;
  first_name: string;
  last_name: string;
  account_id: number | null;
  account_email: string | null;
  account_partner_id: number | null;
  disabled_at: number | null;
  has_password: number;
  oidc_subject: string | null;
  credentials_version: number | null;
}

/** Partners with their contact and, when they have one, their account. */
function partnersWithAccounts(db: Db) {
  return db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').leftJoin('accounts as a', 'a.partner_id', 'p.id');
}

export async function loadPartnerCredentialRows(db: Db, partnerIds: readonly number[]): Promise<PartnerCredentialRow[]> {
  const out: PartnerCredentialRow[] = [];
  for (const part of chunks(partnerIds)) {
    if (!part.length) continue;
    const rows = await partnersWithAccounts(db)
      .select((eb) => [
        'p.id as partner_id',
        'p.status as partner_status',
        'c.email as contact_email',
        'c.first_name',
        'c.last_name',
        'a.id as account_id',
        'a.email as account_email',
        'a.partner_id as account_partner_id',
        'a.disabled_at',
        eb.case().when('a.password_hash', 'is not', null).then(1).else(0).end().as('has_password'),
        'a.oidc_subject',
        'a.credentials_version',
      ])
      .where('p.id', 'in', part)
      .execute();
    out.push(...(rows as PartnerCredentialRow[]));
  }
  return out;
}

/** Only what judging shared emails needs, for many partners, a chunk at a time: contact email and whether they have an account. */
export async function eachEmailFacts(db: Db, partnerIds: readonly number[], each: (row: { partner_id: number; contact_email: string | null; account_id: number | null }) => void): Promise<void> {
  for (const part of chunks(partnerIds)) {
    if (!part.length) continue;
    const rows = await partnersWithAccounts(db)
      .select(['p.id as partner_id', 'c.email as contact_email', 'a.id as account_id'])
      .where('p.id', 'in', part)
      .execute();
    for (const r of rows) each(r);
  }
}

/** Whether any of these partners is active with no account (or one without an email): the ones a shared email can stop. */
export async function anyWithoutAccount(db: Db, partnerIds: readonly number[]): Promise<boolean> {
  for (const part of chunks(partnerIds)) {
    if (!part.length) continue;
    const row = await db
      .selectFrom('partners as p')
      .leftJoin('accounts as a', 'a.partner_id', 'p.id')
      .select('p.id')
      .where('p.id', 'in', part)
      .where('p.status', '=', 'active')
      .where((eb) => eb.or([eb('a.id', 'is', null), eb('a.email', 'is', null)]))
      .limit(1)
      .executeTakeFirst();
    if (row) return true;
  }
  return false;
}

/** Accounts holding any of these (lower-cased) emails: an email already taken by someone else is refused. */
export async function accountsByEmail(db: Db, emails: readonly string[]): Promise<Array<{ id: number; email: string; partner_id: number | null }>> {
  const out: Array<{ id: number; email: string; partner_id: number | null }> = [];
  for (const part of chunks(emails)) {
    if (!part.length) continue;
    out.push(...(await db.selectFrom('accounts').select(['id', 'email', 'partner_id']).where('email', 'in', part).execute()));
  }
  return out;
}

/** Creates partner accounts in one statement; returns account id by partner id. */
export async function insertPartnerAccounts(db: Db, rows: ReadonlyArray<{ partnerId: number; email: string }>, now: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const part of chunks(rows, 200)) {
    if (!part.length) continue;
    const inserted = await db
      .insertInto('accounts')
      .values(part.map((r) => ({ partner_id: r.partnerId, email: r.email, role: 'partner' as const, password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: null, disabled_at: null })))
      .returning(['id', 'partner_id'])
      .execute();
    for (const r of inserted) out.set(r.partner_id!, r.id);
  }
  return out;
}

/** Moves these accounts to the next generation of their credentials email (the caller knows the new numbers). */
export async function bumpCredentialsVersions(db: Db, accountIds: readonly number[]): Promise<void> {
  for (const part of chunks(accountIds)) {
    if (part.length) await db.updateTable('accounts').set((eb) => ({ credentials_version: eb('credentials_version', '+', 1) })).where('id', 'in', part).execute();
  }
}

/** Moves the account to the next generation of its credentials email; returns the new version. */
export async function bumpCredentialsVersion(db: Db, accountId: number): Promise<number> {
  await db.updateTable('accounts').set((eb) => ({ credentials_version: eb('credentials_version', '+', 1) })).where('id', '=', accountId).execute();
  const r = await db.selectFrom('accounts').select('credentials_version').where('id', '=', accountId).executeTakeFirstOrThrow();
  return r.credentials_version;
}

export async function setAccountDisabled(db: Db, accountId: number, disabledAt: number | null): Promise<void> {
  await db.updateTable('accounts').set({ disabled_at: disabledAt }).where('id', '=', accountId).execute();
}

/**
 * Credentials emails left claimed ("sending") with no worker of this process on them: cut off by a crash (they
 * may have arrived), or being sent right now by another process. Read-only look at the outbox.
 */
export async function credentialEmailsInFlight(db: Db): Promise<Array<{ idempotency_key: string; to_address: string }>> {
  return db.selectFrom('email_outbox').select(['idempotency_key', 'to_address']).where('status', '=', 'sending').where('idempotency_key', 'like', 'credentials:account:%').execute();
}

// ---- selection -------------------------------------------------------------------------------------------

export async function allPartnerIds(db: Db): Promise<number[]> {
  return (await db.selectFrom('partners').select('id').orderBy('id').execute()).map((r) => r.id);
}

export async function findProgramByName(db: Db, name: string): Promise<{ id: number; name: string } | undefined> {
  return db.selectFrom('programs').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
}

export async function partnerIdsOfProgram(db: Db, programId: number): Promise<number[]> {
  return (await db.selectFrom('partners').select('id').where('program_id', '=', programId).orderBy('id').execute()).map((r) => r.id);
}

export async function existingPartnerIds(db: Db, ids: readonly number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (const part of chunks(ids)) {
    if (!part.length) continue;
    for (const r of await db.selectFrom('partners').select('id').where('id', 'in', part).execute()) found.add(r.id);
  }
  return found;
}

/** Partner ids by Ontraport contact id (the referral code) and by lower-cased contact email, for partner lists. */
export async function partnerLookups(db: Db): Promise<{ byReferralCode: Map<string, number>; byEmail: Map<string, number[]> }> {
  const rows = await db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['p.id', 'p.referral_code', 'c.email']).execute();
  const byReferralCode = new Map<string, number>();
  const byEmail = new Map<string, number[]>();
  for (const r of rows) {
    byReferralCode.set(r.referral_code, r.id);
    if (r.email) {
      const key = r.email.trim().toLowerCase();
      const list = byEmail.get(key);
      if (list) list.push(r.id);
      else byEmail.set(key, [r.id]);
    }
  }
  return { byReferralCode, byEmail };
}

/** Partner ids of accounts, for turning outbox keys back into partners in reports. */
export async function partnerIdsOfAccounts(db: Db, accountIds: readonly number[]): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  for (const part of chunks(accountIds)) {
    if (!part.length) continue;
    for (const r of await db.selectFrom('accounts').select(['id', 'partner_id']).where('id', 'in', part).execute()) out.set(r.id, r.partner_id);
  }
  return out;
}
