/**
 * Binds a WordPress hand-off to the browser that signed in to WordPress (login CSRF): a hand-off link copied to
 * someone else must not sign them in as the sender. WordPress's login answer passes through the gateway's proxy,
 * so when a proxied 3xx sends the browser to `/sso/wordpress?token=...`, the proxy adds an HttpOnly, SameSite=Lax
 * cookie holding a keyed hash of that token's `jti`; `/sso/wordpress` accepts the token only with that cookie.
 * Key: HKDF-SHA256(PARTNERGATE_WP_SHIM_SECRET, info "partnergate handoff-binding"), never shared with WordPress.
 */
import { createHmac } from 'node:crypto';
// keys.js, not the proxy's entry: the proxy imports this file, and its entry would make a circle.
import { deriveKey } from '../common/shim-keys.js';
import { stringifySetCookie } from 'cookie';
import { safeEqual } from '../common/tokens.js';

export const HANDOFF_PATH = '/sso/wordpress';
/** The cookie outlives the token (60 s plus clock tolerance) by a little, never by much. */
const BINDING_MAX_AGE_SECONDS = 120;
const LOCATION_MARKER = `${HANDOFF_PATH}?`;

export function handoffBindingCookieName(secure: boolean): string {
  return secure ? '__Host-pg_handoff' : 'pg_handoff';
}

/** The `jti` claim of a compact JWT, read without checking it (the route checks the token). */
function jtiOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload || payload.length > 4096) return undefined;
  try {
    const jti = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti;
    return typeof jti === 'string' && jti.length > 0 && jti.length <= 200 ? jti : undefined;
  } catch {
    return undefined;
  }
}

export interface HandoffBinder {
  readonly cookieName: string;
  /**
   * The Set-Cookie line for a proxied redirect, or undefined when `location` is not a hand-off link. Cheap for
   * every other Location (one substring test).
   */
  cookieForRedirect(location: string): string | undefined;
  /** Whether the cookie the browser sent was made for this token's `jti`. */
  matches(cookieValue: string | undefined, jti: string): boolean;
}

export function createHandoffBinder(secret: string, secure: boolean): HandoffBinder {
  const key = deriveKey(secret, 'handoff-binding');
  const valueFor = (jti: string) => createHmac('sha256', key).update(jti).digest('base64url');
  const cookieName = handoffBindingCookieName(secure);
  return {
    cookieName,
    cookieForRedirect(location) {
      const at = location.indexOf(LOCATION_MARKER);
      if (at < 0) return undefined;
      let token: string | null;
      try {
        token = new URL(location, 'http://gateway.invalid').searchParams.get('token');
      } catch {
        return undefined;
      }
      const jti = token ? jtiOf(token) : undefined;
      if (!jti) return undefined;
      return stringifySetCookie({ name: cookieName, value: valueFor(jti), httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: BINDING_MAX_AGE_SECONDS });
    },
    matches(cookieValue, jti) {
      return typeof cookieValue === 'string' && safeEqual(cookieValue, valueFor(jti));
    },
  };
}
