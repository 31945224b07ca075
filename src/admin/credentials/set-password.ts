/**
 * Set-password links for new credentials. Tokens follow the sign-in capability's rules (src/auth: 32 random
 * bytes, only the SHA-256 stored, purpose `set_password`, older unused links of the account voided, single use on
 * `/sso/set-password?token=`), issued here in batches. The link's origin is the partner center's: in situation 3
 * it has its own host, and the link must open there so the session cookie is set for that host.
 */
import { randomToken, sha256 } from '../../common/index.js';
import { setPasswordLinkFor as authLinkFor } from '../../auth/index.js';
import * as repo from './credentials.repo.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/index.js';

/**
 * Set-password tokens for many accounts in two statements (a batch of 200 partners): older unused links voided,
 * one new token each, stored exactly as the sign-in capability's `issueSetPasswordToken` stores one (SHA-256 of 32
 * random bytes, purpose set_password) and consumed by its `/sso/set-password` page. One row at a time would cost
 * two statements per partner: minutes for 100,000 partners.
 * @returns raw token by account id
 */
export async function issueSetPasswordTokens(db: Kysely<Database> | Transaction<Database>, accountIds: readonly number[], ttlMs: number, now = Date.now()): Promise<Map<number, string>> {
  const raw = new Map(accountIds.map((id) => [id, randomToken(32)]));
  await repo.expireSetPasswordTokens(db, accountIds, now);
  await repo.insertSetPasswordTokens(db, [...raw].map(([accountId, token]) => ({ accountId, tokenHash: sha256(token) })), now, now + ttlMs);
  return raw;
}

/** The origin partners use for the partner center: its own host in situation 3, else the gateway's public URL. */
export function partnerCenterOrigin(config: { publicUrl: string; partnerCenterHost?: string }): string {
  if (!config.partnerCenterHost) return config.publicUrl.replace(/\/+$/, '');
  return `${new URL(config.publicUrl).protocol}//${config.partnerCenterHost}`;
}

export function setPasswordLinkFor(config: { publicUrl: string; partnerCenterHost?: string }, token: string): string {
  return authLinkFor({ publicUrl: partnerCenterOrigin(config) }, token);
}
