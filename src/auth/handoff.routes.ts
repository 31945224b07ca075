/** Route: the WordPress hand-off (`GET /sso/wordpress?token=...`), linked from the wp-shim plugin. */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { clearCookie, readCookies } from '../http/index.js';
import { acceptHandoff, handoffBindingCookieFor } from './handoff.js';
import { field, originOf, previousCookieOf, setSessionCookie } from './http.js';
import { afterFirstFactor } from './second-factor.js';

export function handoffRoutes(deps: GatewayDeps): Router {
  const router = Router();
  router.get('/wordpress', async (req, res) => {
    // The token is in the URL for one minute and once: keep it out of Referer headers on the next page.
    res.setHeader('Referrer-Policy', 'no-referrer');
    const bindingCookie = handoffBindingCookieFor(deps);
    const binding = readCookies(req)[bindingCookie];
    clearCookie(res, bindingCookie, deps.config.cookieSecure);
    const { opened, rd, next } = await acceptHandoff(deps, { token: field(req.query, 'token'), binding, previousCookie: previousCookieOf(deps, req), ...originOf(req) });
    setSessionCookie(deps, res, opened);
    res.redirect(303, afterFirstFactor(deps.config, next, field(req.query, 'rd') ?? rd));
  });
  return router;
}
