/** Route: the WordPress hand-off (`GET /sso/wordpress?token=...`), linked from the wp-shim plugin. */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { acceptHandoff } from './handoff.js';
import { field, nextTarget, originOf, previousCookieOf, setSessionCookie } from './http.js';

export function handoffRoutes(deps: GatewayDeps): Router {
  const router = Router();
  router.get('/wordpress', async (req, res) => {
    // The token is in the URL for one minute and once: keep it out of Referer headers on the next page.
    res.setHeader('Referrer-Policy', 'no-referrer');
    const { opened, rd } = await acceptHandoff(deps, { token: field(req.query, 'token'), previousCookie: previousCookieOf(deps, req), ...originOf(req) });
    setSessionCookie(deps, res, opened);
    res.redirect(303, nextTarget(deps, field(req.query, 'rd') ?? rd));
  });
  return router;
}
