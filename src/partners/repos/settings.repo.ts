/** One-time tokens for confirming changes, and the audit log. */
import type { OneTimeToken } from '../../store/index.js';
import type { Db } from './db.js';

export type ConfirmPurpose = 'paypal_confirm' | 'email_confirm';

export async function insertToken(db: Db, row: { tokenHash: string; purpose: ConfirmPurpose; accountId: number; payloadJson: string; now: number; expiresAt: number }): Promise<number> {
  const r = await db
    .insertInto('one_time_tokens')
    .values({ token_hash: row.tokenHash, purpose: row.purpose, account_id: row.accountId, payload_json: row.payloadJson, created_at: row.now, expires_at: row.expiresAt, used_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Marks every unused token of this purpose of the account as used: only the newest request stays valid. */
export async function retireTokens(db: Db, accountId: number, purpose: ConfirmPurpose, now: number): Promise<void> {
  await db.updateTable('one_time_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

/**
 * The token row by hash, locked for the rest of the transaction on PostgreSQL (SQLite transactions are
 * already serialised), so two confirmations of one link cannot both apply.
 */
export async function findTokenForUpdate(db: Db, tokenHash: string, kind: 'sqlite' | 'postgres'): Promise<OneTimeToken | undefined> {
  const q = db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash);
  return (kind === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
}

export async function findTokenByHash(db: Db, tokenHash: string): Promise<OneTimeToken | undefined> {
  return db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function markTokenUsed(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The newest unused, unexpired token of a purpose for an account (to show "waiting for confirmation"). */
export async function findPendingToken(db: Db, accountId: number, purpose: ConfirmPurpose, now: number): Promise<OneTimeToken | undefined> {
  return db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertAudit(
  db: Db,
  row: { at: number; actorAccountId: number | null; partnerId: number | null; action: string; details: Record<string, unknown>; ip: string | null; requestId: string | null },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ at: row.at, actor_account_id: row.actorAccountId, partner_id: row.partnerId, action: row.action, details_json: JSON.stringify(row.details), ip: row.ip, request_id: row.requestId })
    .execute();
}
