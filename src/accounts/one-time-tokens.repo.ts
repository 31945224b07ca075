/** One-time token rows (reset and set-password links, OIDC state, hand-off replay records). */
import type { Kysely, Transaction } from 'kysely';
import type { Database, OneTimeToken } from '../store/index.js';

type Db = Kysely<Database> | Transaction<Database>;
export type TokenPurpose = OneTimeToken['purpose'];

export async function insertToken(
  db: Db,
  row: { tokenHash: string; purpose: TokenPurpose; accountId: number | null; payloadJson: string | null; now: number; expiresAt: number; usedAt?: number | null },
): Promise<number> {
  const r = await db
    .insertInto('one_time_tokens')
    .values({ token_hash: row.tokenHash, purpose: row.purpose, account_id: row.accountId, payload_json: row.payloadJson, created_at: row.now, expires_at: row.expiresAt, used_at: row.usedAt ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function findTokenByHash(db: Db, tokenHash: string, purpose: TokenPurpose, opts: { lock?: boolean } = {}): Promise<OneTimeToken | undefined> {
  let q = db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Marks the token used only if nobody did before: the row-level check that makes a token single-use. */
export async function markTokenUsed(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Invalidates the other unused tokens of an account for a purpose (a new reset link replaces older ones). */
export async function expireAccountTokens(db: Db, accountId: number, purpose: TokenPurpose, now: number, exceptId?: number): Promise<void> {
  let q = db.updateTable('one_time_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('purpose', '=', purpose).where('used_at', 'is', null);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  await q.execute();
}

export async function deleteExpiredTokens(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('one_time_tokens').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
