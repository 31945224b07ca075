/**
 * The middleware every own route runs through, in order: request context (id + logger), session, CSRF check
 * for unsafe methods, and at the end the error handler that turns AppError into a page or JSON.
 */
import { randomUUID } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import { AppError, storeUnavailable, type Logger } from '../common/index.js';
import { csrfTokenFor, csrfTokenValid, resolveSession, type SessionPolicy } from '../auth/sessions.js';
import { randomToken, safeEqual } from '../auth/tokens.js';
import type { Database } from '../store/index.js';
import type { Views } from './views.js';
import './context.js';

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

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.ctx = { id, log: logger.child({ reqId: id }) };
    next();
  };
}

/** Loads the session from its cookie and prepares the CSRF tokens for forms. */
export function sessionLoader(deps: { db: Kysely<Database>; policy: SessionPolicy; cookies: CookieNames; secure: boolean }): RequestHandler {
  return async (req, res, next) => {
    try {
      const cookies = readCookies(req);
      const value = cookies[deps.cookies.session];
      const session = await resolveSession(deps.db, deps.policy, value);
      if (session) {
        req.ctx.session = session;
        req.ctx.sessionCookie = value;
        req.ctx.csrfToken = csrfTokenFor(session);
      } else if (value) {
        clearCookie(res, deps.cookies.session, deps.secure);
      }
      // The pre-session token is for forms shown before a session exists (formToken prefers the session's):
      // a signed-in request keeps the cookie it has but is not sent a new one on every page.
      let pre = cookies[deps.cookies.preCsrf];
      if (!session && (!pre || pre.length !== 43)) {
        pre = randomToken(32);
        setCookie(res, deps.cookies.preCsrf, pre, { secure: deps.secure });
      }
      req.ctx.preCsrfToken = pre && pre.length === 43 ? pre : undefined;
      next();
    } catch (err) {
      next(err);
    }
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF for every unsafe request to an own route: the Origin (or Referer) must be the gateway's own, and the
 * `_csrf` field (or `X-CSRF-Token` header) must be the session's token, or, before sign-in, the double-submit
 * cookie. Routes that receive server-to-server posts (OIDC back-channel logout) are listed in `exempt`.
 */
export function csrfProtection(opts: { publicOrigins: string[]; exempt: string[] }): RequestHandler {
  const origins = new Set(opts.publicOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || opts.exempt.includes(req.path)) return next();
    const origin = req.headers.origin ?? (req.headers.referer ? safeOrigin(req.headers.referer) : undefined);
    const selfOrigin = `${req.protocol}://${req.headers.host ?? ''}`;
    if (origin !== undefined && origin !== 'null' && !origins.has(origin) && origin !== selfOrigin) {
      return next(new AppError('auth.csrf_failed', 'This form was sent from another site. Reload the page and try again.'));
    }
    if (origin === 'null') return next(new AppError('auth.csrf_failed', 'This form was sent from another site. Reload the page and try again.'));
    const body = req.body as Record<string, unknown> | undefined;
    const token = (body && typeof body._csrf === 'string' ? body._csrf : undefined) ?? req.headers['x-csrf-token'];
    const session = req.ctx.session;
    const ok = session
      ? csrfTokenValid(session, token)
      : typeof token === 'string' && req.ctx.preCsrfToken !== undefined && safeEqual(token, req.ctx.preCsrfToken);
    if (!ok) return next(new AppError('auth.csrf_failed', 'The form expired or was not sent from this site. Reload the page and try again.'));
    next();
  };
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

function wantsJson(req: Request): boolean {
  return req.path.includes('/api/') || req.path.endsWith('.json') || (req.headers.accept ?? '').startsWith('application/json');
}

/** Maps errors to a status page or `{ error: { code, message, field } }`; unknown errors are 500 with no details. */
export function errorHandler(views: Views): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if (isHttpError(err) && err.status < 500) {
      appErr = err.type === 'entity.too.large'
        ? new AppError('request.body_too_large', 'The form is larger than this server accepts.')
        : new AppError('request.invalid_field', 'The request could not be read.');
    } else {
      // A store that is restarting or refusing connections is a 503 with Retry-After, not a failure of ours.
      const down = storeUnavailable(err);
      if (down) req.ctx?.log.warn({ err }, 'store unavailable');
      else req.ctx?.log.error({ err }, 'unhandled error');
      appErr = down ?? new AppError('internal', 'Something went wrong on our side. Please try again in a moment.');
    }
    if (appErr.status >= 500 && err instanceof AppError) req.ctx?.log.error({ err }, appErr.code);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(appErr.details.headers ?? {})) res.setHeader(k, v);
    res.status(appErr.status);
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.json({ error: { code: appErr.code, message: appErr.message, ...(appErr.field ? { field: appErr.field } : {}) } });
      return;
    }
    res.type('html').send(
      views.page('error', {
        title: appErr.status === 404 ? 'Page not found' : 'Something is not right',
        status: appErr.status,
        code: appErr.code,
        message: appErr.message,
        requestId: req.ctx?.id,
        signedIn: Boolean(req.ctx?.session),
      }),
    );
  };
}

function isHttpError(err: unknown): err is { status: number; type?: string } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

/** Wraps an async route so a rejection reaches the error handler (express 5 does this too; kept for clarity). */
export const asyncRoute =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };
