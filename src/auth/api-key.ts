/**
 * `Authorization: Bearer <partner API key>` on Partnergate's own routes. A request that carries the header is
 * judged by its key alone (a cookie beside it is ignored): on the routes `allowed` names (the JSON reports and
 * CSV exports) a valid key acts as its partner, through the same session shape the cookie gives, so the same
 * guards and the same server-side scoping apply; everywhere else (pages, settings, forms, admin, sign-in) a key
 * is refused with 403. A malformed, unknown or revoked key gets 401 naming the problem with
 * `WWW-Authenticate: Bearer` (RFC 6750). Each key is rate-limited in the store, so gateways share the count.
 * The key itself is never logged: only its non-secret key id.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../common/index.js';
import { findAccountWithPartner, touchApiKey, verifyApiKey, type ApiKeyRow } from '../accounts/index.js';
import type { Db } from '../store/index.js';
import { hitCounter } from './throttle.repo.js';
import type { SessionWithAccount } from './sessions.js';

declare module '../http/request-context.js' {
  interface RequestContext {
    /** Set when the request authenticated with a partner API key (then `session` is that key's stand-in). */
    apiKey?: { id: number; keyId: string };
  }
}

const WINDOW_MS = 60_000;

const PROBLEMS = {
  missing: 'Authorization: expected "Bearer <API key>".',
  malformed: 'The API key is malformed: a Partnergate key reads pgk_<12 hex characters>_<43 characters>.',
  unknown: 'The API key is not known: check that it was copied whole, or make a new one in settings.',
  revoked: 'The API key was revoked: make a new one in settings.',
} as const;

function invalidKey(problem: keyof typeof PROBLEMS): AppError {
  return new AppError('auth.api_key_invalid', PROBLEMS[problem], {
    field: 'Authorization',
    headers: { 'WWW-Authenticate': `Bearer realm="partnergate", error="invalid_token", error_description="${problem}"` },
  });
}

/** The stand-in session a key acts through: no CSRF secret that any form could match, never fresh for re-auth. */
function keySession(key: ApiKeyRow, account: NonNullable<Awaited<ReturnType<typeof findAccountWithPartner>>>, now: number): SessionWithAccount {
  return {
    ...account,
    id_hash: `api-key:${key.key_id}`,
    auth_method: 'password',
    csrf_secret: '',
    created_at: key.created_at,
    last_seen_at: now,
    idle_expires_at: now,
    absolute_expires_at: now,
    reauth_at: 0,
    oidc_sid: null,
    oidc_sub: null,
    oidc_tokens_json: null,
    totp_pending: 0,
    ip: null,
    user_agent: null,
  };
}

export interface ApiKeyAuthOptions {
  db: Db;
  now: () => number;
  ratePerMinute: number;
  /** Whether a key may call this method and path. */
  allowed: (method: string, path: string) => boolean;
}

/** Own routes whose bearer token is not a partner key (the wp-shim plugin's signed ping): left to their route. */
const OTHER_BEARER_PATHS: ReadonlySet<string> = new Set(['/sso/wp-shim/ping']);

/** App-level, after the session loader: replaces the cookie's session by the key's, or refuses the request. */
export function apiKeyAuth(opts: ApiKeyAuthOptions): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || OTHER_BEARER_PATHS.has(req.path)) return next();
    // Whatever follows, the cookie's session does not ride along with a key.
    req.ctx.session = undefined;
    req.ctx.csrfToken = undefined;
    try {
      if (!opts.allowed(req.method, req.path)) {
        throw new AppError('auth.api_key_not_allowed', 'API keys work only on the JSON reports and CSV exports (see /partner-center/api/openapi.json); sign in to use this page.');
      }
      const m = /^Bearer +(\S+) *$/i.exec(header);
      if (!m) throw invalidKey('missing');
      const verdict = await verifyApiKey(opts.db, m[1]!);
      if (!verdict.ok) throw invalidKey(verdict.problem);
      const key = verdict.key;
      const now = opts.now();
      const count = await hitCounter(opts.db, `api-key:${key.key_id}`, now, WINDOW_MS);
      if (count.count > opts.ratePerMinute) {
        const retry = Math.max(1, Math.ceil((count.windowStart + WINDOW_MS - now) / 1000));
        throw new AppError('auth.api_rate_limited', `Too many requests with this API key: at most ${opts.ratePerMinute} a minute. Try again in ${retry} s.`, { headers: { 'Retry-After': String(retry) } });
      }
      const account = await findAccountWithPartner(opts.db, key.account_id);
      // A key outlives nothing its account lost: a disabled account or a partner moved away ends it.
      if (!account || account.disabled_at !== null || account.partner_id !== key.partner_id) throw invalidKey('revoked');
      await touchApiKey(opts.db, key, now);
      req.ctx.session = keySession(key, account, now);
      req.ctx.apiKey = { id: key.id, keyId: key.key_id };
      req.ctx.log = req.ctx.log.child({ apiKeyId: key.key_id });
      next();
    } catch (err) {
      res.setHeader('Cache-Control', 'no-store');
      next(err);
    }
  };
}
