/**
 * Routes: TOTP two-factor. `/sso/two-factor` asks for the code after a password sign-in (the session stays
 * `totp_pending` until then); `/sso/two-factor/setup` enrols (forced when `PARTNERGATE_TOTP_REQUIRED`), shows
 * the recovery codes once; `/sso/two-factor/disable` turns it off when it is optional.
 */
import { Router, type Request, type Response } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import type { Account } from '../store/index.js';
import { findAccountById } from '../accounts/index.js';
import { recordAudit } from '../accounts/index.js';
import { t } from '../i18n/index.js';
import { deviceCookiesFor } from './device-cookie.js';
import { deviceCookieOf, field, formToken, nextTarget, originOf, rememberDevice, render, renderSignedIn, setSessionCookie, throttledText } from './http.js';
import { secretBoxFor } from './secret-box.js';
import { totpRequiredFor } from './second-factor.js';
import { csrfTokenFor, endAccountSessions, openSession, type SessionWithAccount } from './sessions.js';
import { attemptSucceeded, countAttempt, totpThrottleKeys } from './throttle.js';
import { beginTotpEnrolment, completeTotpEnrolment, disableTotp, totpQrCode, totpUri, verifySecondFactor } from './totp.js';

/** Enrolling or disabling needs a password (or sign-in) this recent: a stolen session cannot lock the partner out. */
const FRESH_FOR_SETUP_MS = 10 * 60_000;

export function twoFactorRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;
  const box = secretBoxFor(deps.config);

  const sessionOf = (req: Request): { session: SessionWithAccount; cookie: string } => {
    const s = req.ctx.session;
    if (!s || !req.ctx.sessionCookie) throw new AppError('auth.required', 'Please sign in.');
    return { session: s, cookie: req.ctx.sessionCookie };
  };
  const accountOf = async (s: SessionWithAccount): Promise<Account> => {
    const account = await findAccountById(db, s.account_id);
    if (!account) throw new AppError('auth.required', 'Please sign in.');
    return account;
  };
  const rdOf = (req: Request) => field(req.body, 'rd') ?? field(req.query, 'rd') ?? '';

  /** The second factor is done: a new session id without the pending mark (privilege changed, id changes). */
  const completeSignIn = async (req: Request, res: Response, s: SessionWithAccount, cookie: string): Promise<string> => {
    const opened = await openSession(db, deps.sessionPolicy, {
      accountId: s.account_id,
      method: s.auth_method,
      previousCookie: cookie,
      now: deps.now(),
      ip: req.ip,
      userAgent: req.get('user-agent'),
      // An OpenID session keeps what refresh and logout need from its provider.
      oidc: { sid: s.oidc_sid, sub: s.oidc_sub, tokensJson: s.oidc_tokens_json },
    });
    setSessionCookie(deps, res, opened);
    return csrfTokenFor(opened.session);
  };

  // --- challenge ------------------------------------------------------------------------------------
  const showChallenge = (req: Request, res: Response, status: number, error?: string) =>
    render(deps, res, status, 'auth/two-factor', { title: t(req.ctx.locale, 'auth:totp.title'), csrfToken: formToken(req), rd: rdOf(req), error });

  router.get('/two-factor', async (req, res) => {
    const s = req.ctx.session;
    if (!s) return res.redirect(303, '/sso/sign-in');
    if (!s.totp_pending) return res.redirect(303, nextTarget(deps, rdOf(req)));
    const account = await accountOf(s);
    if (!account.totp_enabled) return res.redirect(303, `/sso/two-factor/setup?rd=${encodeURIComponent(rdOf(req))}`);
    showChallenge(req, res, 200);
  });

  router.post('/two-factor', async (req, res) => {
    const { session, cookie } = sessionOf(req);
    if (!session.totp_pending) return res.redirect(303, nextTarget(deps, rdOf(req)));
    // Its own counter, per account: a correct password (which clears the sign-in counter) does not clear it.
    const keys = totpThrottleKeys(session.account_id, req.ip, deviceCookiesFor(deps.config).deviceFor(deviceCookieOf(deps, req), session.email));
    const verdict = await countAttempt(db, keys, { perAccount: deps.config.loginMaxPerAccount, perIp: deps.config.loginMaxPerIp }, deps.now());
    if (!verdict.allowed) {
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      return showChallenge(req, res, 429, throttledText(req, verdict.retryAfterSeconds));
    }
    const account = await accountOf(session);
    const result = await verifySecondFactor(db, box, account, field(req.body, 'code'), deps.now());
    if (!result.ok) {
      await recordAudit(db, { action: 'auth.totp_failed', actorAccountId: account.id, partnerId: account.partner_id, ...originOf(req), at: deps.now() });
      return showChallenge(req, res, 401, t(req.ctx.locale, 'auth:totp.wrong'));
    }
    await attemptSucceeded(db, keys);
    await recordAudit(db, { action: 'auth.totp_passed', actorAccountId: account.id, partnerId: account.partner_id, details: { recoveryCode: result.usedRecoveryCode }, ...originOf(req), at: deps.now() });
    await completeSignIn(req, res, session, cookie);
    if (session.auth_method === 'password') rememberDevice(deps, res, session.email);
    res.redirect(303, nextTarget(deps, rdOf(req)));
  });

  // --- enrolment ------------------------------------------------------------------------------------
  const showSetup = async (req: Request, res: Response, status: number, account: Account, error?: string) => {
    const secret = await beginTotpEnrolment(db, box, account);
    const uri = totpUri(secret, account.email, deps.config.brandName);
    renderSignedIn(deps, req, res, status, 'auth/two-factor-setup', {
      title: t(req.ctx.locale, 'auth:totp.setupTitle'),
      csrfToken: formToken(req),
      rd: rdOf(req),
      secret,
      uri,
      qrCode: await totpQrCode(uri),
      required: totpRequiredFor(deps.config, account),
      error,
    });
  };

  /**
   * Recent proof of identity: a password or provider sign-in (`reauth_at`; a hand-off session has none). Enrolment
   * forced at sign-in counts from the sign-in itself, whatever path it came by.
   */
  const freshEnough = (s: SessionWithAccount) => deps.now() - (s.totp_pending ? s.created_at : s.reauth_at) <= FRESH_FOR_SETUP_MS;

  router.get('/two-factor/setup', async (req, res) => {
    const s = req.ctx.session;
    if (!s) return res.redirect(303, `/sso/sign-in?rd=${encodeURIComponent('/sso/two-factor/setup')}`);
    const account = await accountOf(s);
    if (s.totp_pending && (account.totp_enabled || !totpRequiredFor(deps.config, account))) return res.redirect(303, `/sso/two-factor?rd=${encodeURIComponent(rdOf(req))}`);
    if (account.totp_enabled) {
      return renderSignedIn(deps, req, res, 200, 'auth/two-factor-enabled', { title: t(req.ctx.locale, 'auth:totp.enabledTitle'), csrfToken: formToken(req), canDisable: !totpRequiredFor(deps.config, account), disabled: false });
    }
    if (!freshEnough(s)) return res.redirect(303, `/sso/confirm?rd=${encodeURIComponent(req.originalUrl)}`);
    await showSetup(req, res, 200, account);
  });

  router.post('/two-factor/setup', async (req, res) => {
    const { session, cookie } = sessionOf(req);
    const account = await accountOf(session);
    // A pending session may enrol only when enrolment is what it waits for (mandatory and not yet set up):
    // with two-factor on it must answer the challenge, and nothing here ever replaces an enabled secret.
    if (session.totp_pending && (account.totp_enabled || !totpRequiredFor(deps.config, account))) throw new AppError('auth.totp_required', 'Enter your two-factor code to continue.');
    if (account.totp_enabled) throw new AppError('conflict', 'Two-factor sign-in is already on for this account. Turn it off first to set up a new app.');
    if (!freshEnough(session)) throw new AppError('auth.reauth_required', 'For your security, confirm your password first, then set up two-factor sign-in.');
    const codes = await completeTotpEnrolment(db, box, account, field(req.body, 'code'), deps.now());
    if (!codes) return showSetup(req, res, 400, account, t(req.ctx.locale, 'auth:totp.setupWrong'));
    // Whoever else holds a session of this account got it without the new factor: those sessions end.
    await endAccountSessions(db, account.id, session.id_hash);
    await recordAudit(db, { action: 'auth.totp_enabled', actorAccountId: account.id, partnerId: account.partner_id, ...originOf(req), at: deps.now() });
    // Forced enrolment right after the password: the sign-in is complete now (new id, so a new form token).
    const csrfToken = session.totp_pending ? await completeSignIn(req, res, session, cookie) : formToken(req);
    if (session.totp_pending && session.auth_method === 'password') rememberDevice(deps, res, session.email);
    renderSignedIn(deps, req, res, 200, 'auth/recovery-codes', { title: t(req.ctx.locale, 'auth:totp.codesTitle'), codes, next: nextTarget(deps, rdOf(req)), csrfToken });
  });

  router.post('/two-factor/disable', async (req, res) => {
    const { session } = sessionOf(req);
    if (session.totp_pending) throw new AppError('auth.totp_required', 'Enter your two-factor code to continue.');
    const account = await accountOf(session);
    if (totpRequiredFor(deps.config, account)) throw new AppError('auth.forbidden', 'Two-factor sign-in is required for this account and cannot be turned off.');
    if (!freshEnough(session)) throw new AppError('auth.reauth_required', 'For your security, confirm your password first, then turn two-factor sign-in off.');
    const result = await verifySecondFactor(db, box, account, field(req.body, 'code'), deps.now());
    if (!result.ok) {
      return renderSignedIn(deps, req, res, 401, 'auth/two-factor-enabled', { title: t(req.ctx.locale, 'auth:totp.enabledTitle'), csrfToken: formToken(req), canDisable: true, error: t(req.ctx.locale, 'auth:totp.offWrong') });
    }
    await disableTotp(db, account.id);
    await recordAudit(db, { action: 'auth.totp_disabled', actorAccountId: account.id, partnerId: account.partner_id, ...originOf(req), at: deps.now() });
    renderSignedIn(deps, req, res, 200, 'auth/two-factor-enabled', { title: t(req.ctx.locale, 'auth:totp.enabledTitle'), disabled: true });
  });

  return router;
}
