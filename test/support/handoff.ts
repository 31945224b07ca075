/**
 * Mints WordPress hand-off tokens exactly as the wp-shim plugin does (wp-shim/includes/handoff.php and jwt.php),
 * for tests of the gateway's `/sso/wordpress` route:
 *   base64url('{"alg":"HS256","typ":"JWT"}') . base64url(JSON claims) . base64url(HMAC-SHA256(key, header.payload))
 * key = deriveKey(secret, 'handoff'); claims in this order: iss, aud, sub (string), email, jti (32 hex), iat,
 * exp (= iat + 60), then rd when set. Any extra claim given is appended (for malformed-token tests).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { deriveKey, type KeyPurpose } from '../../src/common/index.js';

export interface HandoffTokenClaims {
  /** The WordPress site URL (site_url()). */
  iss: string;
  /** The gateway's origin. */
  aud: string;
  /** WordPress user id. */
  sub: string;
  email: string;
  jti?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Default iat + 60. */
  exp?: number;
  rd?: string;
  [extra: string]: unknown;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * @param secret the shared secret (PARTNERGATE_WP_SHIM_SECRET)
 * @param opts.purpose sign with another purpose's key (a forged-token test); default 'handoff'
 * @param opts.header replace the JOSE header (e.g. `{"alg":"none"}` attacks)
 */
export function mintHandoffToken(secret: string, claims: HandoffTokenClaims, opts: { purpose?: KeyPurpose; header?: string } = {}): string {
  const { iss, aud, sub, email, jti, iat, exp, rd, ...extra } = claims;
  const issuedAt = iat ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss, aud, sub, email, jti: jti ?? randomBytes(16).toString('hex'), iat: issuedAt, exp: exp ?? issuedAt + 60 };
  if (rd !== undefined) payload.rd = rd;
  Object.assign(payload, extra);
  const signingInput = `${b64url(opts.header ?? '{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify(payload))}`;
  const mac = createHmac('sha256', deriveKey(secret, opts.purpose ?? 'handoff')).update(signingInput).digest();
  return `${signingInput}.${b64url(mac)}`;
}
