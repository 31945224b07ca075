/** Session rows. Only these functions touch the `sessions` table. */
import { compiledOnce, type Contact, type Partner, type Program, type Session } from '../store/index.js';
import type { Db } from '../store/index.js';

export async function insertSession(db: Db, row: Session): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/**
 * The account's partner as of this request, with its contact and program: what the partner center's access
 * rules and every partner-center page read (name, program, currency, referral code, time zone, language, PayPal
 * email).
 */
export type SessionPartnerRow = Pick<Partner, 'id' | 'referral_code' | 'program_id' | 'paypal_email' | 'status' | 'time_zone' | 'locale' | 'alias' | 'created_at' | 'contact_id'> &
  Pick<Contact, 'first_name' | 'last_name'> &
  Pick<Program, 'currency' | 'rate_bp' | 'tier_group' | 'level_order'> & {
    contact_ontraport_id: Contact['ontraport_id'];
    program_name: Program['name'];
  };

export interface SessionWithAccount extends Session {
  email: string;
  role: 'partner' | 'admin';
  partner_id: number | null;
  disabled_at: number | null;
  totp_enabled: number;
  /** Null for an account with no partner (an admin), or whose partner, contact or program row is gone. */
  partner: SessionPartnerRow | null;
}

/** The account, partner, contact and program columns the session lookups read (prefixed, split by `withPartner`). */
const ACCOUNT_COLUMNS = ['accounts.email', 'accounts.role', 'accounts.partner_id', 'accounts.disabled_at', 'accounts.totp_enabled'] as const;
const PARTNER_COLUMNS = [
  'p.referral_code as p_referral_code', 'p.program_id as p_program_id', 'p.paypal_email as p_paypal_email', 'p.status as p_status',
  'p.time_zone as p_time_zone', 'p.locale as p_locale', 'p.alias as p_alias', 'p.created_at as p_created_at',
  'c.id as c_id', 'c.ontraport_id as c_ontraport_id', 'c.first_name as c_first_name', 'c.last_name as c_last_name',
  'g.id as g_id', 'g.name as g_name', 'g.currency as g_currency', 'g.rate_bp as g_rate_bp', 'g.tier_group as g_tier_group', 'g.level_order as g_level_order',
] as const;

/**
 * The session, its account, and the account's partner with its contact and program, in one round trip: on
 * PostgreSQL every query is a network round trip, and this runs on every partner-center request, whose access
 * rules and page header need exactly these rows.
 */
const sessionWithAccount = compiledOnce((db, idHash: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .leftJoin('partners as p', 'p.id', 'accounts.partner_id')
    .leftJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('programs as g', 'g.id', 'p.program_id')
    .selectAll('sessions')
    .select(ACCOUNT_COLUMNS)
    .select(PARTNER_COLUMNS)
    .where('sessions.id_hash', '=', idHash),
);

/** The same account and partner columns for an account id: what an API key acts as (src/auth api-key). */
const accountWithPartner = compiledOnce((db, accountId: number) =>
  db
    .selectFrom('accounts')
    .leftJoin('partners as p', 'p.id', 'accounts.partner_id')
    .leftJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('programs as g', 'g.id', 'p.program_id')
    .select(['accounts.id as account_id', ...ACCOUNT_COLUMNS])
    .select(PARTNER_COLUMNS)
    .where('accounts.id', '=', accountId),
);

type PartnerColumns = Awaited<ReturnType<typeof accountWithPartner>>[number];
type Prefixed = Omit<PartnerColumns, 'account_id' | 'email' | 'role' | 'partner_id' | 'disabled_at' | 'totp_enabled'>;

/** Splits the prefixed partner columns off a row; the partner is null unless its partner, contact and program rows all joined. */
function withPartner<R extends Prefixed & { partner_id: number | null }>(row: R): Omit<R, keyof Prefixed> & { partner: SessionPartnerRow | null } {
  const {
    p_referral_code, p_program_id, p_paypal_email, p_status, p_time_zone, p_locale, p_alias, p_created_at,
    c_id, c_ontraport_id, c_first_name, c_last_name,
    g_id, g_name, g_currency, g_rate_bp, g_tier_group, g_level_order,
    ...rest
  } = row;
  // Left joins: a partner row exists exactly when its non-null columns came back (same for contact and program).
  const partner: SessionPartnerRow | null =
    row.partner_id === null || p_referral_code === null || c_id === null || g_id === null
      ? null
      : {
          id: row.partner_id,
          referral_code: p_referral_code,
          program_id: p_program_id!,
          paypal_email: p_paypal_email,
          status: p_status!,
          time_zone: p_time_zone,
          locale: p_locale,
          alias: p_alias,
          created_at: p_created_at!,
          contact_id: c_id,
          contact_ontraport_id: c_ontraport_id,
          first_name: c_first_name!,
          last_name: c_last_name!,
          program_name: g_name!,
          currency: g_currency!,
          rate_bp: g_rate_bp!,
          tier_group: g_tier_group,
          level_order: g_level_order!,
        };
  return { ...rest, partner };
}

export async function findSessionWithAccount(db: Db, idHash: string): Promise<SessionWithAccount | undefined> {
  const row = (await sessionWithAccount(db, idHash))[0];
  return row ? withPartner(row) : undefined;
}

export type AccountWithPartner = Omit<SessionWithAccount, Exclude<keyof Session, 'account_id'>>;

/** The account with its partner, contact and program, as `findSessionWithAccount` reads them. */
export async function findAccountWithPartner(db: Db, accountId: number): Promise<AccountWithPartner | undefined> {
  const row = (await accountWithPartner(db, accountId))[0];
  return row ? withPartner(row) : undefined;
}

export async function touchSession(db: Db, idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt }).where('id_hash', '=', idHash).execute();
}

export async function updateSession(db: Db, idHash: string, fields: Partial<Omit<Session, 'id_hash'>>): Promise<void> {
  await db.updateTable('sessions').set(fields).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of an account, except `keepIdHash` (the one changing its password). Returns how many. */
export async function deleteAccountSessions(db: Db, accountId: number, keepIdHash?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('account_id', '=', accountId);
  if (keepIdHash) q = q.where('id_hash', '<>', keepIdHash);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteSessionsByOidcSid(db: Db, sid: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('oidc_sid', '=', sid).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteSessionsByOidcSub(db: Db, sub: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('oidc_sub', '=', sub).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('idle_expires_at', '<', now), eb('absolute_expires_at', '<', now)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Replaces the OIDC tokens only if they are still `expected` (one refresh at a time across instances). */
export async function replaceSessionTokens(db: Db, idHash: string, expected: string, next: string): Promise<boolean> {
  const r = await db.updateTable('sessions').set({ oidc_tokens_json: next }).where('id_hash', '=', idHash).where('oidc_tokens_json', '=', expected).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Sessions holding a refresh token not sealed under the current data key (plain, or under the previous key). */
export async function findStaleRefreshTokens(db: Db, currentPrefix: string, limit: number): Promise<Array<{ id_hash: string; oidc_tokens_json: string }>> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id_hash', 'oidc_tokens_json'])
    .where('oidc_tokens_json', 'like', '%"refreshToken"%')
    .where('oidc_tokens_json', 'not like', `%"refreshToken":"${currentPrefix}%`)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id_hash: r.id_hash, oidc_tokens_json: r.oidc_tokens_json! }));
}
