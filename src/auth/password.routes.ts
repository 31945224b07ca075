/**
 * Routes: forgot password (`/sso/forgot`), the emailed links (`/sso/reset`, `/sso/set-password`), password
 * change for a signed-in partner (`/sso/password`, also posted to by the partner settings page) and password
 * re-authentication before sensitive changes (`/sso/confirm`).
 */
import { Router, type Request, type Response } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { findAccountById } from '../accounts/index.js';
import { changePassword, confirmPassword, passwordTokenUsable, requestPasswordReset, setPasswordWithToken } from './credentials.js';
import { t } from '../i18n/index.js';
import { field, formToken, nextTarget, originOf, render, renderSignedIn, setSessionCookie, throttledText, wantsJson } from './http.js';
import type { OidcService } from './oidc.js';

type LinkPurpose = 'reset_password' | 'set_password';

const linkPages: Record<LinkPurpose, { path: string; title: string; intro: string; notice: string }> = {
  reset_password: { path: '/sso/reset', title: 'auth:link.resetTitle', intro: 'auth:link.resetIntro', notice: 'password_reset' },
  set_password: { path: '/sso/set-password', title: 'auth:link.setTitle', intro: 'auth:link.setIntro', notice: 'password_set' },
};

/** The sentence a partner reads for a password field problem, in the request's language. */
function passwordFieldMessage(req: Request, err: AppError): string {
  const locale = req.ctx.locale;
  switch (err.field) {
    case 'current_password':
      return t(locale, 'auth:errors.currentWrong');
    case 'new_password_confirm':
      return t(locale, 'auth:errors.mismatch');
    default:
      if (/at least/.test(err.message)) return t(locale, 'auth:errors.tooShort');
      if (/at most/.test(err.message)) return t(locale, 'auth:errors.tooLong');
      return `The new password ${err.message.replace(/^[a-z_]+: /, '')}.`;
  }
}

export function passwordRoutes(deps: GatewayDeps, oidc: OidcService): Router {
  const router = Router();

  // --- forgot password -------------------------------------------------------------------------------
  const showForgot = (req: Request, res: Response, status: number, extra: { email?: string; error?: string } = {}) =>
    render(deps, res, status, 'auth/forgot', { title: t(req.ctx.locale, 'auth:forgot.title'), csrfToken: formToken(req), email: extra.email ?? '', error: extra.error });

  router.get('/forgot', (req, res) => showForgot(req, res, 200));

  router.post('/forgot', async (req, res) => {
    const email = field(req.body, 'email') ?? '';
    try {
      await requestPasswordReset(deps, { email, ...originOf(req) });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'request.invalid_field' || err.code === 'auth.throttled')) {
        for (const [k, v] of Object.entries(err.details.headers ?? {})) res.setHeader(k, v);
        return showForgot(req, res, err.status, { email, error: err.code === 'request.invalid_field' ? t(req.ctx.locale, 'auth:forgot.missing') : throttledText(req, Number(err.details.headers?.['Retry-After'] ?? 60), 'auth:errors.resetThrottled') });
      }
      throw err;
    }
    // The same page whether or not the address has an account.
    render(deps, res, 200, 'auth/forgot-sent', { title: t(req.ctx.locale, 'auth:forgot.sentTitle'), minutes: deps.config.tokenTtlMinutes });
  });

  // --- emailed links: reset and set password ----------------------------------------------------------
  const linkRoutes = (purpose: LinkPurpose) => {
    const page = linkPages[purpose];
    const show = (req: Request, res: Response, status: number, token: string, error?: string) =>
      render(deps, res, status, 'auth/set-password', { title: t(req.ctx.locale, page.title), intro: t(req.ctx.locale, page.intro), action: page.path, token, csrfToken: formToken(req), error });
    const badLink = () => new AppError('auth.token_invalid', 'This link has expired or was already used. Ask for a new one from the "Forgot your password?" page.');

    router.get(page.path.slice('/sso'.length), async (req, res) => {
      const token = field(req.query, 'token') ?? '';
      if (!(await passwordTokenUsable(deps, token, purpose))) throw badLink();
      show(req, res, 200, token);
    });

    router.post(page.path.slice('/sso'.length), async (req, res) => {
      const token = field(req.body, 'token') ?? field(req.query, 'token') ?? '';
      try {
        await setPasswordWithToken(deps, { token, purpose, newPassword: field(req.body, 'new_password'), newPasswordConfirm: field(req.body, 'new_password_confirm'), ...originOf(req) });
      } catch (err) {
        if (err instanceof AppError && err.code === 'request.invalid_field') return show(req, res, 400, token, passwordFieldMessage(req, err));
        throw err;
      }
      res.redirect(303, `/sso/sign-in?notice=${page.notice}`);
    });
  };
  linkRoutes('reset_password');
  linkRoutes('set_password');

  // --- password change (signed in) ------------------------------------------------------------------
  const requireSession = (req: Request) => {
    const s = req.ctx.session;
    if (!s || s.totp_pending || !req.ctx.sessionCookie) throw new AppError('auth.required', 'Please sign in.');
    return { session: s, cookie: req.ctx.sessionCookie };
  };

  const showChange = (req: Request, res: Response, status: number, extra: { error?: string; changed?: boolean } = {}) =>
    renderSignedIn(deps, req, res, status, 'auth/password', { title: t(req.ctx.locale, 'auth:password.title'), csrfToken: formToken(req), rd: field(req.body, 'rd') ?? field(req.query, 'rd') ?? '', ...extra });

  router.get('/password', (req, res) => {
    if (!req.ctx.session || req.ctx.session.totp_pending) return res.redirect(303, `/sso/sign-in?rd=${encodeURIComponent('/sso/password')}`);
    showChange(req, res, 200, { changed: field(req.query, 'changed') === '1' });
  });

  router.post('/password', async (req, res) => {
    const { session, cookie } = requireSession(req);
    try {
      const opened = await changePassword(deps, {
        session,
        sessionCookie: cookie,
        currentPassword: field(req.body, 'current_password'),
        newPassword: field(req.body, 'new_password'),
        newPasswordConfirm: field(req.body, 'new_password_confirm'),
        ...originOf(req),
      });
      setSessionCookie(deps, res, opened);
    } catch (err) {
      if (!wantsJson(req) && err instanceof AppError && err.code === 'request.invalid_field') {
        return showChange(req, res, 400, { error: passwordFieldMessage(req, err) });
      }
      throw err;
    }
    if (wantsJson(req)) return res.json({ ok: true });
    const rd = field(req.body, 'rd');
    res.redirect(303, rd ? nextTarget(deps, rd) : '/sso/password?changed=1');
  });

  // --- re-authentication --------------------------------------------------------------------------
  const showConfirm = async (req: Request, res: Response, status: number, error?: string) => {
    const s = req.ctx.session!;
    const account = await findAccountById(deps.store.db, s.account_id);
    const rd = field(req.body, 'rd') ?? field(req.query, 'rd') ?? '';
    renderSignedIn(deps, req, res, status, 'auth/confirm', {
      title: t(req.ctx.locale, 'auth:confirm.title'),
      csrfToken: formToken(req),
      rd,
      hasPassword: Boolean(account?.password_hash),
      oidc: oidc.enabled && s.auth_method === 'oidc' ? { name: oidc.providerName, href: `/sso/oidc/start?reauth=1&rd=${encodeURIComponent(rd)}` } : undefined,
      error,
    });
  };

  router.get('/confirm', async (req, res) => {
    if (!req.ctx.session || req.ctx.session.totp_pending) return res.redirect(303, `/sso/sign-in?rd=${encodeURIComponent(field(req.query, 'rd') ?? '')}`);
    await showConfirm(req, res, 200);
  });

  router.post('/confirm', async (req, res) => {
    const { session } = requireSession(req);
    if (!(await confirmPassword(deps, { session, password: field(req.body, 'password'), ...originOf(req) }))) {
      if (wantsJson(req)) throw new AppError('auth.invalid_credentials', 'The password is not right.', { field: 'password' });
      return showConfirm(req, res, 401, t(req.ctx.locale, 'auth:confirm.wrong'));
    }
    if (wantsJson(req)) return res.json({ ok: true });
    res.redirect(303, nextTarget(deps, field(req.body, 'rd')));
  });

  return router;
}
