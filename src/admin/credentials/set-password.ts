/**
 * Set-password links for new credentials. The token is 32 random bytes; the store keeps only its SHA-256 (purpose
 * `set_password`), and the link opens the sign-in capability's page `/sso/set-password?token=`.
 *
 * Adapter: the sign-in capability (src/auth) owns these tokens and their page. This file is the one place the
 * admin CLI creates them, so that when `issueSetPasswordToken` / `setPasswordLinkFor` land in src/auth this file
 * becomes two re-exports and nothing else changes.
 */
import type { Kysely, Transaction } from 'kysely';
import { randomToken, sha256 } from '../../auth/tokens.js';
import type { Database } from '../../store/index.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Creates a single-use set-password token for the account and returns the raw token (never stored). */
export async function issueSetPasswordToken(db: Db, accountId: number, ttlMs: number, now = Date.now()): Promise<string> {
  const token = randomToken(32);
  await db
    .insertInto('one_time_tokens')
    .values({ token_hash: sha256(token), purpose: 'set_password', account_id: accountId, payload_json: null, created_at: now, expires_at: now + ttlMs, used_at: null })
    .execute();
  return token;
}

/**
 * The origin partners use for the partner center: its own host in situation 3 (same scheme as the public URL,
 * so cookies set there are the host's own), otherwise the gateway's public URL.
 */
export function partnerCenterOrigin(config: { publicUrl: string; partnerCenterHost?: string }): string {
  if (!config.partnerCenterHost) return config.publicUrl.replace(/\/+$/, '');
  return `${new URL(config.publicUrl).protocol}//${config.partnerCenterHost}`;
}

export function setPasswordLinkFor(config: { publicUrl: string; partnerCenterHost?: string }, token: string): string {
  return `${partnerCenterOrigin(config)}/sso/set-password?token=${encodeURIComponent(token)}`;
}
