/**
 * One-time token rows (reset, set-password and confirmation links, OIDC state, hand-off replay records): the only
 * file that touches `one_time_tokens`. Lists of account ids are written in chunks (both stores cap the number of
 * bound parameters).
 */
import type { OneTimeToken } from '../store/index.js';
import type { Db } from '../store/index.js';

export type TokenPurpose = OneTimeToken['purpose'];

const ID_CHUNK = 500;
const ROW_CHUNK = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface TokenRow {
  tokenHash: string;
  purpose: TokenPurpose;
  accountId: number | null;
  payloadJson: string | null;
  now: number;
  expiresAt: number;
  usedAt?: number | null;
}

function values(row: TokenRow) {
  return { token_hash: row.tokenHash, purpose: row.purpose, account_id: row.accountId, payload_json: row.payloadJson, created_at: row.now, expires_at: row.expiresAt, used_at: row.usedAt ?? null };
}

export async function insertToken(db: Db, row: TokenRow): Promise<number> {
  const r = await db.insertInto('one_time_tokens').values(values(row)).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Many tokens in a few statements (credentials for a batch of partners). */
export async function insertTokens(db: Db, rows: readonly TokenRow[]): Promise<void> {
  for (const part of chunks(rows, ROW_CHUNK)) await db.insertInto('one_time_tokens').values(part.map(values)).execute();
}

export async function findTokenByHash(db: Db, tokenHash: string, purpose: TokenPurpose, opts: { lock?: boolean } = {}): Promise<OneTimeToken | undefined> {
  let q = db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The newest unused, unexpired token of a purpose for an account (to show "waiting for confirmation"). */
export async function findPendingToken(db: Db, accountId: number, purpose: TokenPurpose, now: number): Promise<OneTimeToken | undefined> {
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

/** Marks the token used only if nobody did before: the row-level check that makes a token single-use. */
export async function markTokenUsed(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Voids the unused tokens of these accounts: of one purpose (a new link replaces the older ones), or of every
 * purpose when none is given (an account disabled). `exceptId` keeps one token.
 * @returns how many tokens were voided
 */
export async function expireTokens(db: Db, accountIds: readonly number[], now: number, opts: { purpose?: TokenPurpose; exceptId?: number } = {}): Promise<number> {
  let n = 0;
  for (const part of chunks(accountIds, ID_CHUNK)) {
    let q = db.updateTable('one_time_tokens').set({ used_at: now }).where('account_id', 'in', part).where('used_at', 'is', null);
    if (opts.purpose !== undefined) q = q.where('purpose', '=', opts.purpose);
    if (opts.exceptId !== undefined) q = q.where('id', '<>', opts.exceptId);
    n += Number((await q.executeTakeFirst()).numUpdatedRows);
  }
  return n;
}

export async function deleteExpiredTokens(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('one_time_tokens').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
