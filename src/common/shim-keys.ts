/**
 * Per-purpose keys derived from the one secret shared with the wp-shim plugin (PARTNERGATE_WP_SHIM_SECRET in the
 * gateway, PARTNERGATE_SHIM_SECRET in wp-config.php). A key made for one purpose cannot be used for another: a
 * hand-off token minted by WordPress never verifies as an identity assertion and the other way round.
 *
 * Derivation (RFC 5869 HKDF with SHA-256; in PHP `hash_hkdf('sha256', $secret, 32, 'partnergate ' . $purpose)`):
 *   ikm  = the secret's UTF-8 bytes
 *   salt = empty
 *   info = "partnergate " + the purpose: "partnergate identity-assertion", "partnergate handoff",
 *          "partnergate shim-ping" (the plugin's connection test) or "partnergate handoff-binding" (the gateway's
 *          own hand-off binding cookie, never used by the plugin)
 *   L    = 32 bytes, used as the HS256 (HMAC-SHA-256) key of compact JWTs
 */
import { hkdfSync } from 'node:crypto';

export type KeyPurpose = 'identity-assertion' | 'handoff' | 'shim-ping' | 'handoff-binding';

/** Prefix of the HKDF `info`: the purpose follows it after one space. */
export const KEY_INFO_PREFIX = 'partnergate ';

const purposes: ReadonlySet<string> = new Set<KeyPurpose>(['identity-assertion', 'handoff', 'shim-ping', 'handoff-binding']);

/**
 * The 32-byte HS256 key for one purpose.
 * @param secret the shared secret (at least 32 characters, checked by the configuration)
 * @param purpose `'identity-assertion'` (gateway signs, WordPress verifies), `'handoff'` and `'shim-ping'` (WordPress
 *   signs, gateway verifies) or `'handoff-binding'` (gateway only)
 */
export function deriveKey(secret: string, purpose: KeyPurpose): Uint8Array {
  if (!purposes.has(purpose)) throw new Error(`unknown key purpose: ${String(purpose)}`);
  if (!secret) throw new Error('the wp-shim secret is empty');
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(KEY_INFO_PREFIX + purpose, 'utf8'), 32));
}
