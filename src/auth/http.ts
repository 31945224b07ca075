/** Small helpers the sign-in routes share: who is asking, which token a form carries, where to go next. */
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayDeps } from '../deps.js';
import { readCookies, setCookie } from '../http/index.js';
import { t } from '../i18n/index.js';
import type { RequestOrigin } from './credentials.js';
import { redirectPolicyFor, safeRedirect } from './redirects.js';
import { DEVICE_COOKIE_MAX_AGE_SECONDS, deviceCookieName, deviceCookiesFor } from './device-cookie.js';
import type { OpenedSession } from './sessions.js';

export function originOf(req: Request): RequestOrigin {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, requestId: req.ctx.id };
}

/** The CSRF token forms on this page must carry: the session's when there is one, else the pre-session one. */
export function formToken(req: Request): string | undefined {
  return req.ctx.csrfToken ?? req.ctx.preCsrfToken;
}

/** A string field of the body or query, or undefined. */
export function field(source: unknown, name: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

export function wantsJson(req: Request): boolean {
  return (req.headers.accept ?? '').startsWith('application/json') || req.is('application/json') === 'application/json';
}

/** The validated post-sign-in target (policy read per request: tests move the public URL after listening). */
export function nextTarget(deps: GatewayDeps, rd: unknown): string {
  return safeRedirect(rd, redirectPolicyFor(deps.config));
}

/** The cookie value the browser sent, even if it names no live session (deleted at sign-in either way). */
export function previousCookieOf(deps: GatewayDeps, req: Request): string | undefined {
  return req.ctx.sessionCookie ?? readCookies(req)[deps.cookies.session];
}

export function setSessionCookie(deps: GatewayDeps, res: Response, opened: OpenedSession): void {
  setCookie(res, deps.cookies.session, opened.cookieValue, { secure: deps.config.cookieSecure });
}

/** The device cookie this browser carries, if any (whether it fits an account is `deviceFor`'s call). */
export function deviceCookieOf(deps: GatewayDeps, req: Request): string | undefined {
  return readCookies(req)[deviceCookieName(deps.config.cookieSecure)];
}

/** A sign-in was completed (every factor): this browser is trusted for the account from now on. */
export function rememberDevice(deps: GatewayDeps, res: Response, email: string): void {
  setCookie(res, deviceCookieName(deps.config.cookieSecure), deviceCookiesFor(deps.config).issue(email), { secure: deps.config.cookieSecure, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS });
}

/** Renders a sign-in page in the request's language (`req.ctx.locale`, from `Accept-Language` or the partner's choice). */
export function render(deps: GatewayDeps, res: Response, status: number, template: string, params: Record<string, unknown>, layout = 'layouts/bare'): void {
  res.status(status).type('html').send(deps.views.page(template, { locale: res.req.ctx.locale, ...params }, layout));
}

/** A page for a signed-in partner: the main layout (sign-out button, scripts such as copy buttons). */
export function renderSignedIn(deps: GatewayDeps, req: Request, res: Response, status: number, template: string, params: Record<string, unknown>): void {
  render(deps, res, status, template, { signedIn: true, partnerName: req.ctx.session?.email, csrfToken: formToken(req), ...params }, 'layouts/main');
}

/** "Too many sign-in attempts. Wait 15 minutes..." in the request's language. */
export function throttledText(req: Request, retryAfterSeconds: number, key = 'auth:errors.throttled'): string {
  return t(req.ctx.locale, key, { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
}

/** Sign-in pages are never cached and never framed (helmet sets frame-ancestors too). */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
