/**
 * Single-use tokens (reset and set-password links, OIDC sign-in state). The raw token goes to the user (link,
 * cookie); the store keeps only its SHA-256. One rule per function: lifetime when issued, "unused and not
 * expired" when looked at, and use inside the caller's transaction with a row-level check, so two requests
 * racing with one link cannot both succeed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, OneTimeToken, StoreKind } from '../store/index.js';
import * as repo from './one-time-tokens.repo.js';
import { randomToken, sha256 } from '../common/tokens.js';

export type { TokenPurpose } from './one-time-tokens.repo.js';

/** Longest raw token accepted from a request; anything longer is not ours (and not worth hashing). */
const MAX_RAW_LENGTH = 200;

export interface IssuedToken {
  raw: string;
  id: number;
  expiresAt: number;
}

export async function issueToken(
  db: Kysely<Database> | Transaction<Database>,
  input: { purpose: repo.TokenPurpose; accountId: number | null; ttlMs: number; payload?: unknown; now: number },
): Promise<IssuedToken> {
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

export const expireAccountTokens = repo.expireAccountTokens;
export const purgeExpiredTokens = repo.deleteExpiredTokens;
