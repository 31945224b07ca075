/**
 * Single-use tokens, the one API for every purpose (reset and set-password links, email-change confirmations,
 * OIDC sign-in state, hand-off replay records). The raw token goes to the user (link, cookie); the store keeps
 * only its SHA-256. One rule per function: lifetime when issued, "unused and not expired" when looked at, use
 * inside the caller's transaction with a row-level check (so two requests racing with one link cannot both
 * succeed), and expiry of an account's older tokens.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, OneTimeToken, StoreKind } from '../store/index.js';
import * as repo from './one-time-tokens.repo.js';
import { randomToken, sha256 } from '../common/tokens.js';
import type { Db } from '../store/index.js';

export type { TokenPurpose } from './one-time-tokens.repo.js';

/** Longest raw token accepted from a request; anything longer is not ours (and not worth hashing). */
const MAX_RAW_LENGTH = 200;

export interface IssuedToken {
  raw: string;
  id: number;
  expiresAt: number;
}

export async function issueToken(db: Db, input: { purpose: repo.TokenPurpose; accountId: number | null; ttlMs: number; payload?: unknown; now: number }): Promise<IssuedToken> {
  const raw = randomToken(32);
  const expiresAt = input.now + input.ttlMs;
  const id = await repo.insertToken(db, {
    tokenHash: sha256(raw),
    purpose: input.purpose,
    accountId: input.accountId,
    payloadJson: input.payload === undefined ? null : JSON.stringify(input.payload),
    now: input.now,
    expiresAt,
  });
  return { raw, id, expiresAt };
}

function usable(row: OneTimeToken | undefined, now: number): row is OneTimeToken {
  return row !== undefined && row.used_at === null && row.expires_at > now;
}

/** The token's row when it could still be used (nothing is consumed): for showing a form. */
export async function peekToken(db: Kysely<Database>, raw: unknown, purpose: repo.TokenPurpose, now: number): Promise<OneTimeToken | undefined> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RAW_LENGTH) return undefined;
  const row = await repo.findTokenByHash(db, sha256(raw), purpose);
  return usable(row, now) ? row : undefined;
}

/**
 * Uses the token inside `trx`: locks the row (PostgreSQL), checks it is unused and unexpired, and marks it used
 * with `used_at is null` in the update, so only one transaction can win. Returns the row, or undefined.
 */
export async function consumeToken(trx: Transaction<Database>, kind: StoreKind, raw: unknown, purpose: repo.TokenPurpose, now: number): Promise<OneTimeToken | undefined> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RAW_LENGTH) return undefined;
  const row = await repo.findTokenByHash(trx, sha256(raw), purpose, { lock: kind === 'postgres' });
  if (!usable(row, now)) return undefined;
  if (!(await repo.markTokenUsed(trx, row.id, now))) return undefined;
  return row;
}

/**
 * One token each for many accounts in a few statements (credentials for a batch of partners).
 * @returns raw token by account id
 */
export async function issueTokens(db: Db, input: { purpose: repo.TokenPurpose; accountIds: readonly number[]; ttlMs: number; now: number }): Promise<Map<number, string>> {
  const raw = new Map(input.accountIds.map((id) => [id, randomToken(32)]));
  const expiresAt = input.now + input.ttlMs;
  await repo.insertTokens(db, [...raw].map(([accountId, token]) => ({ tokenHash: sha256(token), purpose: input.purpose, accountId, payloadJson: null, now: input.now, expiresAt })));
  return raw;
}

/**
 * Records a key as already used until `expiresAt` (a hand-off token's id): a second record of the same key fails
 * on the unique hash, which is how a replay is refused.
 */
export async function recordSpentToken(db: Db, input: { key: string; purpose: repo.TokenPurpose; payload?: unknown; now: number; expiresAt: number }): Promise<void> {
  await repo.insertToken(db, {
    tokenHash: sha256(input.key),
    purpose: input.purpose,
    accountId: null,
    payloadJson: input.payload === undefined ? null : JSON.stringify(input.payload),
    now: input.now,
    expiresAt: input.expiresAt,
    usedAt: input.now,
  });
}

/** The newest token of this purpose the account could still use, if any (to show "waiting for confirmation"). */
export async function pendingToken(db: Kysely<Database>, accountId: number, purpose: repo.TokenPurpose, now: number): Promise<OneTimeToken | undefined> {
  return repo.findPendingToken(db, accountId, purpose, now);
}

/** Voids an account's unused tokens of one purpose (a new link replaces the older ones). */
export async function expireAccountTokens(db: Db, accountId: number, purpose: repo.TokenPurpose, now: number): Promise<number> {
  return repo.expireTokens(db, [accountId], now, { purpose });
}

/** Voids the unused tokens of many accounts, of one purpose or of all (a disabled account keeps no usable link). */
export async function expireTokensOf(db: Db, accountIds: readonly number[], now: number, purpose?: repo.TokenPurpose): Promise<number> {
  return repo.expireTokens(db, accountIds, now, { purpose });
}

export const purgeExpiredTokens = repo.deleteExpiredTokens;
