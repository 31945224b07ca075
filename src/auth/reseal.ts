/**
 * Finishing a data-key rotation (and the first encryption of stores written before it): stored secrets not
 * sealed under the current key are re-sealed, a batch at a time, with compare-and-set writes so a value changed
 * meanwhile is left to its writer. Runs with the sign-in housekeeping (`purge.ts`); values are also re-sealed
 * when used (a TOTP code accepted, a refresh token refreshed).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { findStaleTotpSecrets, replaceTotpSecret } from '../accounts/index.js';
import { REFRESH_TOKEN_PURPOSE, totpPurpose, type SecretBox } from './secret-box.js';
import { findStaleRefreshTokens, replaceSessionTokens } from '../accounts/index.js';

const BATCH = 200;

export interface ResealReport {
  resealed: number;
  /** Sealed under a key that is neither the current nor the previous one: unreadable until that key is back. */
  unreadable: number;
}

export async function resealStoredSecrets(db: Kysely<Database>, box: SecretBox): Promise<ResealReport> {
  const report: ResealReport = { resealed: 0, unreadable: 0 };
  for (const row of await findStaleTotpSecrets(db, box.currentPrefix, BATCH)) {
    try {
      const seed = box.open(row.totp_secret, totpPurpose(row.id)).value;
      await replaceTotpSecret(db, row.id, row.totp_secret, box.seal(seed, totpPurpose(row.id)));
      report.resealed++;
    } catch {
      report.unreadable++;
    }
  }
  for (const row of await findStaleRefreshTokens(db, box.currentPrefix, BATCH)) {
    try {
      const tokens = JSON.parse(row.oidc_tokens_json) as { refreshToken?: unknown };
      if (typeof tokens.refreshToken !== 'string') continue;
      const plain = box.open(tokens.refreshToken, REFRESH_TOKEN_PURPOSE).value;
      const next = JSON.stringify({ ...tokens, refreshToken: box.seal(plain, REFRESH_TOKEN_PURPOSE) });
      if (await replaceSessionTokens(db, row.id_hash, row.oidc_tokens_json, next)) report.resealed++;
    } catch {
      report.unreadable++;
    }
  }
  return report;
}
