/**
 * Set-password links for new credentials: the one place they are issued (one account or a batch) and written.
 * A token is 32 random bytes with only its SHA-256 stored, purpose `set_password`; issuing voids the account's
 * older unused links; `/sso/set-password?token=` (src/auth) consumes it once. The link's origin is the partner center's: in situation 3
 * it has its own host, and the link must open there so the session cookie is set for that host.
 */
import { expireTokensOf, issueTokens } from '../one-time-tokens.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/index.js';

/**
 * Set-password tokens for many accounts in two statements (a batch of 200 partners): older unused links voided,
 * one new token each, stored as every one-time token is (SHA-256 of 32 random bytes, purpose set_password) and
 * consumed by the `/sso/set-password` page. One row at a time would cost
 * two statements per partner: minutes for 100,000 partners.
 * @returns raw token by account id
 */
export async function issueSetPasswordTokens(db: Kysely<Database> | Transaction<Database>, accountIds: readonly number[], ttlMs: number, now = Date.now()): Promise<Map<number, string>> {
  await expireTokensOf(db, accountIds, now, 'set_password');
  return issueTokens(db, { purpose: 'set_password', accountIds, ttlMs, now });
}

/**
 * The origin partners use for the partner center: its own host in situation 3, else the gateway's public URL.
 * Links that must land on the host holding the session cookie (set-password, email confirmations) use it.
 */
export function partnerCenterOrigin(config: { publicUrl: string; partnerCenterHost?: string }): string {
  if (!config.partnerCenterHost) return config.publicUrl.replace(/\/+$/, '');
  return `${new URL(config.publicUrl).protocol}//${config.partnerCenterHost}`;
}

/**
 * Issues a single-use set-password token for one account (new credentials); older unused set-password links of
 * the account stop working. Call inside the transaction that records the credentials email when there is one.
 * @returns the raw token, to put in {@link setPasswordLinkFor}
 */
export async function issueSetPasswordToken(db: Kysely<Database> | Transaction<Database>, accountId: number, ttlMs: number, now = Date.now()): Promise<string> {
  return (await issueSetPasswordTokens(db, [accountId], ttlMs, now)).get(accountId)!;
}

/** The link in a new-credentials or invitation email, on the partner center's origin. */
export function setPasswordLinkFor(config: { publicUrl: string; partnerCenterHost?: string }, token: string): string {
  return `${partnerCenterOrigin(config)}/sso/set-password?token=${encodeURIComponent(token)}`;
}
