/**
 * Routes: OpenID Connect sign-in (`/sso/oidc/start`, `/sso/oidc/callback`) and back-channel logout
 * (`POST /sso/oidc/backchannel-logout`, server to server, exempt from CSRF: see `authCsrfExempt`).
 */
import { Router, type Request } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { clearCookie, readCookies, setCookie } from '../http/index.js';
import { field, originOf, previousCookieOf, setSessionCookie } from './http.js';
import { afterFirstFactor } from './second-factor.js';
import { OIDC_STATE_TTL_MS, oidcCookieName, type OidcService } from './oidc.js';

export function oidcRoutes(deps: GatewayDeps, oidc: OidcService): Router {
  const router = Router();
  const cookieName = oidcCookieName(deps.config.cookieSecure);
  /** The partner center host's origin when the browser is on it (situation 3), else the public URL. */
  const browserOrigin = (req: Request): string | undefined => {
    const pcHost = deps.config.partnerCenterHost?.toLowerCase();
    return pcHost && req.headers.host?.toLowerCase() === pcHost ? `${new URL(deps.config.publicUrl).protocol}//${pcHost}` : undefined;
  };
  const notConfigured = () => new AppError('not_found', 'Signing in with an external account is not set up here.');

  router.get('/oidc/start', async (req, res) => {
    if (!oidc.enabled) throw notConfigured();
    const { url, handle } = await oidc.start({ rd: field(req.query, 'rd'), reauth: field(req.query, 'reauth') === '1', origin: browserOrigin(req) });
    setCookie(res, cookieName, handle, { secure: deps.config.cookieSecure, maxAgeSeconds: OIDC_STATE_TTL_MS / 1000 });
    res.redirect(303, url);
  });

  router.get('/oidc/callback', async (req, res) => {
    if (!oidc.enabled) throw notConfigured();
    const handle = readCookies(req)[cookieName];
    clearCookie(res, cookieName, deps.config.cookieSecure);
    const { opened, rd, next } = await oidc.finish({ handle, callbackPath: req.originalUrl, previousCookie: previousCookieOf(deps, req), ...originOf(req) });
    setSessionCookie(deps, res, opened);
    res.redirect(303, afterFirstFactor(deps.config, next, rd));
  });

  router.post('/oidc/backchannel-logout', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!oidc.enabled) return res.status(404).json({ error: 'invalid_request', error_description: 'OpenID Connect is not configured' });
    try {
      const ended = await oidc.backchannelLogout(field(req.body, 'logout_token'));
      req.ctx.log.info({ ended }, 'back-channel logout');
      res.status(200).end();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      req.ctx.log.warn({ reason: err.message }, 'back-channel logout refused');
      // RFC: 400 with an OAuth-style error body when the logout token is not valid.
      res.status(err.status >= 500 ? 501 : 400).json({ error: 'invalid_request', error_description: err.message });
    }
  });

  return router;
}
