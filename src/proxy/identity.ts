/**
 * The signed identity assertion sent to WordPress for a request that carries a live Partnergate session: a
 * compact JWT (HS256, key derived for purpose "identity-assertion"), valid 60 seconds, audience = the upstream
 * origin, so the wp-shim plugin can trust "this browser is signed in at the gateway as partner N" and nothing
 * a client can forge. Only requests with the session cookie pay for the lookup; anonymous traffic never does.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { resolveSession, type SessionPolicy } from '../auth/sessions.js';
import type { Database } from '../store/index.js';
import { deriveKey } from '../common/shim-keys.js';

export const ASSERTION_TTL_SECONDS = 60;

/** Claims of the identity assertion (besides iss, aud, iat, exp, jti). */
export interface IdentityClaims {
  /** Partnergate account id, as a string. */
  sub: string;
  email: string;
  partner_id: number | null;
  referral_code: string | null;
  role: 'partner' | 'admin';
}

export interface IdentityAsserterDeps {
  db: Kysely<Database>;
  policy: SessionPolicy;
  secret: string;
  /** The upstream's origin: the assertion's audience. */
  audience: string;
  /** The gateway's public URL (read per call: tests learn their port after start-up). */
  publicUrl: () => string;
  now: () => number;
}

export interface IdentityAsserter {
  /** The assertion for a session cookie value, or undefined when the session is unknown, expired or half signed in. */
  assertionFor(sessionCookie: string): Promise<string | undefined>;
}

export function createIdentityAsserter(deps: IdentityAsserterDeps): IdentityAsserter {
  const key = deriveKey(deps.secret, 'identity-assertion');
  let issuerUrl = '';
  let issuer = '';

  return {
    async assertionFor(sessionCookie) {
      const now = deps.now();
      const session = await resolveSession(deps.db, deps.policy, sessionCookie, now);
      if (!session || session.totp_pending) return undefined;
      const url = deps.publicUrl();
      if (url !== issuerUrl) {
        issuerUrl = url;
        issuer = new URL(url).origin;
      }
      const claims: Omit<IdentityClaims, 'sub'> = {
        email: session.email,
        partner_id: session.partner_id,
        // Read with the session (its partner row), so a signed-in partner costs the proxy one query, not two.
        referral_code: session.partner?.referral_code ?? null,
        role: session.role,
      };
      const iat = Math.floor(now / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(deps.audience)
        .setSubject(String(session.account_id))
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(key);
    },
  };
}
