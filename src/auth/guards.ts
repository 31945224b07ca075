/**
 * Access rules for the partner center: only a signed-in partner (not mid two-factor) whose program is allowed
 * may see partner data. The partner id routes use comes from the session, never from the request.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../common/index.js';

/** The admin area's start page (src/admin-area), where an administrator's partner-center visit goes. */
const ADMIN_HOME = '/partner-center/admin/';

/** The signed-in partner's id; throws when the request has none (routes behind requirePartner always have one). */
export function partnerIdOf(req: Request): number {
  const id = req.ctx.session?.partner_id;
  if (typeof id !== 'number') throw new AppError('auth.required', 'Please sign in.');
  return id;
}

function signInRedirect(req: Request, res: Response): void {
  const rd = encodeURIComponent(req.originalUrl);
  res.redirect(303, `/sso/sign-in?rd=${rd}`);
}

type SignedInSession = NonNullable<Request['ctx']['session']>;

/** Each rule reads the session as loaded for this request (it carries the partner's status and program). */
export interface AccessRules {
  /** Whether the partner's program may use the partner center (admin's "program name equal to X"). */
  programAllowed?: (session: SignedInSession) => boolean | Promise<boolean>;
  /** Whether the partner is still active in the program (Ontraport can deactivate partners). */
  partnerActive?: (session: SignedInSession) => boolean | Promise<boolean>;
  /** False when the session must end now (its OpenID Provider no longer accepts the sign-in). */
  sessionStillValid?: (session: SignedInSession) => Promise<boolean>;
}

export function requirePartner(rules: AccessRules = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const s = req.ctx.session;
    const wantsHtml = req.method === 'GET' && !req.path.includes('/api/') && !(req.headers.accept ?? '').startsWith('application/json');
    if (!s) {
      if (wantsHtml) return signInRedirect(req, res);
      return next(new AppError('auth.required', 'Please sign in.'));
    }
    if (s.totp_pending) {
      if (wantsHtml) return res.redirect(303, '/sso/two-factor');
      return next(new AppError('auth.totp_required', 'Enter your two-factor code to continue.'));
    }
    if (s.partner_id === null) {
      // An administrator has no partner center of their own: signing in (whatever `rd` defaulted to) lands here.
      if (s.role === 'admin' && wantsHtml) return res.redirect(303, ADMIN_HOME);
      return next(new AppError('auth.forbidden', 'This account is not a partner account.'));
    }
    try {
      if (rules.sessionStillValid && !(await rules.sessionStillValid(s))) {
        req.ctx.session = undefined;
        if (wantsHtml) return signInRedirect(req, res);
        return next(new AppError('auth.required', 'Your session has ended. Please sign in again.'));
      }
      if (rules.partnerActive && !(await rules.partnerActive(s))) {
        return next(new AppError('auth.forbidden', 'Your partner account is inactive. Contact the program manager if you think this is a mistake.'));
      }
      if (rules.programAllowed && !(await rules.programAllowed(s))) {
        return next(new AppError('auth.program_not_allowed', 'Your partner program does not have access to this partner center. Contact the program manager if you think this is a mistake.'));
      }
    } catch (err) {
      return next(err);
    }
    next();
  };
}

export function requireAdmin(): RequestHandler {
  return (req, _res, next) => {
    if (!req.ctx.session) return next(new AppError('auth.required', 'Please sign in.'));
    if (req.ctx.session.role !== 'admin' || req.ctx.session.totp_pending) return next(new AppError('auth.forbidden', 'Administrators only.'));
    next();
  };
}
