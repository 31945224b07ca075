/** Session rows. Only these functions touch the `sessions` table. */
import type { Kysely, Transaction } from 'kysely';
import { compiledOnce, type Database, type Session } from '../store/index.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertSession(db: Db, row: Session): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export interface SessionWithAccount extends Session {
  email: string;
  role: 'partner' | 'admin';
  partner_id: number | null;
  disabled_at: number | null;
  totp_enabled: number;
  /** The partner's status and program name as of this request (null for an account with no partner). */
  partner_status: string | null;
  program_name: string | null;
}

/**
 * The session, its account, and what the partner center's access rules need (is the partner active, which
 * program), in one round trip: on PostgreSQL every query is a network round trip, and this runs on every
 * partner-center request.
 */
const sessionWithAccount = compiledOnce((db, idHash: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .leftJoin('partners', 'partners.id', 'accounts.partner_id')
    .leftJoin('programs', 'programs.id', 'partners.program_id')
    .selectAll('sessions')
    .select(['accounts.email', 'accounts.role', 'accounts.partner_id', 'accounts.disabled_at', 'accounts.totp_enabled', 'partners.status as partner_status', 'programs.name as program_name'])
    .where('sessions.id_hash', '=', idHash),
);

export async function findSessionWithAccount(db: Db, idHash: string): Promise<SessionWithAccount | undefined> {
  return (await sessionWithAccount(db, idHash))[0];
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
