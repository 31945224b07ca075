/**
 * Re-authentication for sensitive changes (the PayPal email): a route behind `requireFreshAuth(maxAgeMs)` runs
 * only when the partner proved who they are (password, or a fresh OpenID sign-in) within `maxAgeMs`. Pages
 * (GET) are sent to `/sso/confirm` and come back; forms and JSON get `auth.reauth_required` (403).
 */
import type { RequestHandler } from 'express';
import { AppError } from '../common/index.js';

export function requireFreshAuth(maxAgeMs: number, opts: { now?: () => number } = {}): RequestHandler {
  const now = opts.now ?? Date.now;
  return (req, res, next) => {
    const s = req.ctx.session;
    if (!s || s.totp_pending) return next(new AppError('auth.required', 'Please sign in.'));
    if (now() - s.reauth_at <= maxAgeMs) return next();
    const wantsHtml = req.method === 'GET' && !(req.headers.accept ?? '').startsWith('application/json');
    if (wantsHtml) return res.redirect(303, `/sso/confirm?rd=${encodeURIComponent(req.originalUrl)}`);
    next(new AppError('auth.reauth_required', 'For your security, confirm your password first (it has been a while since you signed in).'));
  };
}
