/**
 * The per-request context of Partnergate's own routes: request id, logger, the signed-in session (if any) and
 * its CSRF token. Routes read `req.ctx`; nothing reads cookies or the session table directly.
 */
import type { Logger } from '../common/index.js';
import type { SessionWithAccount } from '../auth/sessions.js';

export interface RequestContext {
  id: string;
  log: Logger;
  session?: SessionWithAccount;
  /** The raw cookie value, kept so a sign-in can delete the session it replaces. */
  sessionCookie?: string;
  csrfToken?: string;
  /** Token for forms shown before a session exists (sign-in, forgot password): double-submit cookie. */
  preCsrfToken?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      ctx: RequestContext;
    }
  }
}
