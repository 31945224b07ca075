/**
 * Loads the session named by the session cookie into `req.ctx` (with the partner's chosen language) and prepares
 * the CSRF tokens for forms. The
 * sign-in part of the request context is declared here, beside the code that fills it.
 */
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { randomToken } from '../common/index.js';
import { clearCookie, readCookies, setCookie, type CookieNames } from '../http/index.js';
import { catalogues } from '../i18n/index.js';
import type { Database } from '../store/index.js';
import { csrfTokenFor, resolveSession, type SessionPolicy, type SessionWithAccount } from './sessions.js';

declare module '../http/request-context.js' {
  interface RequestContext {
    session?: SessionWithAccount;
    /** The raw cookie value, kept so a sign-in can delete the session it replaces. */
    sessionCookie?: string;
    csrfToken?: string;
    /** Token for forms shown before a session exists (sign-in, forgot password): double-submit cookie. */
    preCsrfToken?: string;
  }
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
        // The partner's own language, when it is still one of the loaded ones, wins over the browser's.
        req.ctx.locale = catalogues().supported(session.partner?.locale) ?? req.ctx.locale;
      } else if (value) {
        clearCookie(res, deps.cookies.session, deps.secure);
      }
      // The pre-session token is for forms shown before a session exists (formToken prefers the session's):
      // a signed-in request keeps the cookie it has but is not sent a new one on every page, and a script
      // authenticating with a header (an API key) is sent no cookie at all.
      let pre = cookies[deps.cookies.preCsrf];
      if (!session && (!pre || pre.length !== 43) && req.headers.authorization === undefined) {
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
