/**
 * Routes: local sign-in (`GET/POST /sso/sign-in`), sign-out (`POST /sso/sign-out`, RP-initiated logout at the
 * OpenID Provider when the session came from it), the signed-out page and `GET /sso/session` (who is signed in).
 */
import { Router, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps.js';
import { clearCookie } from '../http/index.js';
import { recordAudit } from '../accounts/index.js';
import { t } from '../i18n/index.js';
import { signInWithPassword } from './credentials.js';
import { deviceCookieOf, field, formToken, nextTarget, originOf, previousCookieOf, rememberDevice, render, setSessionCookie, throttledText } from './http.js';
import type { OidcService } from './oidc.js';
import { afterFirstFactor } from './second-factor.js';
import { closeSession } from './sessions.js';

/** Fixed notices shown above the sign-in form (`?notice=`, each an `auth:notice.<name>` message); never text taken from the URL. */
const notices = new Set(['password_set', 'password_reset', 'session_ended']);

export function signInRoutes(deps: GatewayDeps, oidc: OidcService): Router {
  const router = Router();

  const showForm = (req: Request, res: Response, status: number, extra: { email?: string; error?: string; rd?: string }) =>
    render(deps, res, status, 'auth/sign-in', {
      title: t(req.ctx.locale, 'auth:signIn.title'),
      csrfToken: formToken(req),
      rd: extra.rd ?? field(req.query, 'rd') ?? '',
      email: extra.email ?? '',
      error: extra.error,
      notice: notices.has(field(req.query, 'notice') ?? '') ? t(req.ctx.locale, `auth:notice.${field(req.query, 'notice')}`) : undefined,
      oidc: oidc.enabled ? { name: oidc.providerName, href: `/sso/oidc/start?rd=${encodeURIComponent(extra.rd ?? field(req.query, 'rd') ?? '')}` } : undefined,
    });

  router.get('/sign-in', (req, res) => {
    const s = req.ctx.session;
    if (s && !s.totp_pending) return res.redirect(303, nextTarget(deps, field(req.query, 'rd')));
    showForm(req, res, 200, {});
  });

  router.post('/sign-in', async (req, res) => {
    const email = field(req.body, 'email') ?? '';
    const password = field(req.body, 'password') ?? '';
    const rd = field(req.body, 'rd') ?? '';
    if (!email.trim() || !password) return showForm(req, res, 400, { email, rd, error: t(req.ctx.locale, 'auth:signIn.missing') });
    const result = await signInWithPassword(deps, { email, password, previousCookie: previousCookieOf(deps, req), deviceCookie: deviceCookieOf(deps, req), ...originOf(req) });
    switch (result.kind) {
      case 'throttled': {
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        return showForm(req, res, 429, { email, rd, error: throttledText(req, result.retryAfterSeconds) });
      }
      case 'invalid':
        // Same status and page for an unknown email and a wrong password.
        return showForm(req, res, 401, { email, rd, error: t(req.ctx.locale, 'auth:signIn.invalid') });
      case 'ok':
        setSessionCookie(deps, res, result.opened);
        if (result.next === 'done') rememberDevice(deps, res, result.account.email);
        return res.redirect(303, afterFirstFactor(deps.config, result.next, rd));
    }
  });

  router.get('/sign-out', (req, res) => {
    if (!req.ctx.session) return res.redirect(303, '/sso/signed-out');
    render(deps, res, 200, 'auth/sign-out', { title: t(req.ctx.locale, 'auth:signOut.title'), csrfToken: formToken(req) });
  });

  router.post('/sign-out', async (req, res) => {
    const s = req.ctx.session;
    clearCookie(res, deps.cookies.session, deps.config.cookieSecure);
    if (!s) return res.redirect(303, '/sso/signed-out');
    // The provider's URL needs the session's ID token: read it before the session row goes.
    const providerLogout = await oidc.endSessionUrl(s);
    await closeSession(deps.store.db, req.ctx.sessionCookie);
    await recordAudit(deps.store.db, { action: 'auth.sign_out', actorAccountId: s.account_id, partnerId: s.partner_id, ip: req.ip, requestId: req.ctx.id, at: deps.now() });
    res.redirect(303, providerLogout ?? '/sso/signed-out');
  });

  /** Who is signed in, for scripts in the partner center (and tests): 200 with the session, else 401. */
  router.get('/session', (req, res) => {
    const s = req.ctx.session;
    if (!s) return res.status(401).json({ error: { code: 'auth.required', message: 'Please sign in.' } });
    res.json({
      signedIn: true,
      accountId: s.account_id,
      email: s.email,
      role: s.role,
      partnerId: s.partner_id,
      authMethod: s.auth_method,
      twoFactorPending: Boolean(s.totp_pending),
      expiresAt: Math.min(s.idle_expires_at, s.absolute_expires_at),
    });
  });

  router.get('/signed-out', (req, res) => {
    render(deps, res, 200, 'auth/signed-out', { title: t(req.ctx.locale, 'auth:signOut.doneTitle') });
  });

  return router;
}
