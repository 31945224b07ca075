/**
 * Cookies of Partnergate's own routes: their names (`__Host-` on https) and the one way to read, set and clear
 * them (HttpOnly, SameSite=Lax, path `/`).
 */
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Response } from 'express';

export interface CookieNames {
  session: string;
  preCsrf: string;
}

/** `__Host-` cookies cannot be set by a sibling subdomain or over http: used whenever the gateway is on https. */
export function cookieNames(secure: boolean): CookieNames {
  return secure ? { session: '__Host-pg_session', preCsrf: '__Host-pg_csrf' } : { session: 'pg_session', preCsrf: 'pg_csrf' };
}

export function readCookies(req: { headers: { cookie?: string } }): Record<string, string | undefined> {
  return req.headers.cookie ? parseCookie(req.headers.cookie) : {};
}

export function setCookie(res: Response, name: string, value: string, opts: { secure: boolean; maxAgeSeconds?: number }): void {
  res.append(
    'Set-Cookie',
    stringifySetCookie({ name, value, httpOnly: true, secure: opts.secure, sameSite: 'lax', path: '/', maxAge: opts.maxAgeSeconds }),
  );
}

export function clearCookie(res: Response, name: string, secure: boolean): void {
  res.append('Set-Cookie', stringifySetCookie({ name, value: '', httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 0, expires: new Date(0) }));
}
