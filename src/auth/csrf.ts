import type { RequestHandler } from 'express';
import { AppError, safeEqual } from '../common/index.js';
import { csrfTokenValid } from './sessions.js';

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
