/**
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that completed a
 * sign-in for an account gets a long-lived cookie naming that account (a keyed MAC over the email and a random
 * nonce). Its later attempts for that account are counted against the device's own counter instead of the
 * account's, so an attacker's bad guesses, which lock the account for unknown browsers, never lock out the owner's
 * browsers. A stolen device cookie is limited by its own counter too.
 * Key: HKDF-SHA256(PARTNERGATE_DATA_KEY, info "partnergate device-cookie").
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import { safeEqual } from '../common/tokens.js';

/** How long a browser stays trusted after its last completed sign-in. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 3600;

export function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-pg_device' : 'pg_device';
}

export interface DeviceCookies {
  /** A new cookie value for a browser that just completed a sign-in as `email`. */
  issue(email: string): string;
  /** The device's id when `value` was issued for `email` (as typed, any case), else undefined. */
  deviceFor(value: string | undefined, email: string): string | undefined;
}

export function createDeviceCookies(dataKey: Buffer): DeviceCookies {
  const key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), Buffer.from('partnergate device-cookie', 'utf8'), 32));
  const mac = (email: string, nonce: string) => createHmac('sha256', key).update(`${email.trim().toLowerCase()}\n${nonce}`).digest('base64url');
  return {
    issue(email) {
      const nonce = randomBytes(16).toString('base64url');
      return `${nonce}.${mac(email, nonce)}`;
    },
    deviceFor(value, email) {
      if (typeof value !== 'string' || value.length > 100) return undefined;
      const [nonce, tag] = value.split('.');
      if (!nonce || !tag || nonce.length !== 22) return undefined;
      return safeEqual(tag, mac(email, nonce)) ? nonce : undefined;
    },
  };
}

const made = new WeakMap<object, DeviceCookies>();

export function deviceCookiesFor(config: Pick<Config, 'dataKeys'>): DeviceCookies {
  let d = made.get(config);
  // After a key rotation earlier device cookies stop counting: those browsers are treated as new ones once.
  if (!d) made.set(config, (d = createDeviceCookies(config.dataKeys.current.key)));
  return d;
}
