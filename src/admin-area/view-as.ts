/**
 * "View as partner": an administrator sees the partner center exactly as one partner does, read-only.
 *
 * - Start (`POST /partners/:id/view-as`) and end (`POST /view-as/end`, or signing out) each leave an audit row.
 * - While viewing, every request of the session that is not a GET/HEAD is refused (403) before any route runs,
 *   except ending the view and signing out: nothing the admin clicks can change the partner's data.
 * - Partner-center pages see the viewed partner as the session's partner and account (the same rows a sign-in
 *   of theirs would load); admin pages and `/sso` keep the administrator.
 * - Every HTML page the session gets carries the banner (inserted after `<body>`), with the button that ends it.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { accountsOfPartner } from '../accounts/index.js';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { ADMIN_BASE, auditAdmin, positiveInt } from './http.js';
import { deleteStaleViewAs, deleteViewAs, readViewAs, sessionPartnerRow, writeViewAs } from './view-as.repo.js';

export const VIEW_AS_END_PATH = `${ADMIN_BASE}/view-as/end`;
const SIGN_OUT_PATH = '/sso/sign-out';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

const isAdminPath = (path: string) => path === ADMIN_BASE || path.startsWith(`${ADMIN_BASE}/`);
/** Pages that become the partner's: the partner center, not the admin area and not `/sso` (whose pages act on the signed-in account). */
const isPartnerCenterPath = (path: string) => (path === '/partner-center' || path.startsWith('/partner-center/')) && !isAdminPath(path);

/** Ends the session's view (if any), audited with why; true when one was running. */
async function endViewAs(deps: GatewayDeps, req: Request, reason: 'button' | 'sign_out'): Promise<number | undefined> {
  const s = req.ctx.session!;
  const state = await readViewAs(deps.store.db, s.id_hash);
  if (!state) return undefined;
  await deps.store.db.transaction().execute(async (trx) => {
    if (await deleteViewAs(trx, s.id_hash)) await auditAdmin(deps, req, 'admin.view_as_ended', { reason, seconds: Math.round((deps.now() - state.startedAt) / 1000) }, state.partnerId, trx);
  });
  return state.partnerId;
}

/** Puts the banner right after `<body>` of every HTML page this response sends. */
function withBanner(res: Response, banner: string): void {
  const send = res.send.bind(res);
  res.send = ((body?: unknown) => {
    if (typeof body === 'string' && /html/.test(String(res.get('Content-Type') ?? ''))) return send(body.replace(/<body([^>]*)>/, (m) => m + banner));
    return send(body);
  }) as Response['send'];
}

/**
 * App-level layer, after the session loader and CSRF check and before every own route (the sign-out route
 * included): an admin session that is viewing as a partner becomes read-only and bannered.
 */
export function viewAsLayer(deps: GatewayDeps): RequestHandler {
  return async (req, res, next) => {
    const s = req.ctx.session;
    // Partners (nearly every request) pay nothing here.
    if (!s || s.role !== 'admin' || s.totp_pending) return next();
    try {
      if (req.method === 'POST' && req.path === SIGN_OUT_PATH) {
        await endViewAs(deps, req, 'sign_out');
        return next();
      }
      const state = await readViewAs(deps.store.db, s.id_hash);
      if (!state) return next();
      if (req.method === 'POST' && req.path === VIEW_AS_END_PATH) return next();
      if (!SAFE_METHODS.has(req.method)) {
        req.ctx.log.info({ method: req.method, path: req.path, partnerId: state.partnerId }, 'view-as: change refused');
        return next(new AppError('auth.forbidden', 'You are viewing the partner center as a partner, which is read-only. End the view to make changes.'));
      }
      const partner = await sessionPartnerRow(deps.store.db, state.partnerId);
      if (isPartnerCenterPath(req.path) && partner) {
        // The partner's own account where pages show it ("you sign in with", pending changes), never the
        // administrator's; a partner with no account yet shows none (account 0 does not exist).
        const account = (await accountsOfPartner(deps.store.db, partner.id))[0];
        req.ctx.session = { ...s, partner_id: partner.id, partner, account_id: account?.id ?? 0, email: account?.email ?? '' };
      }
      const name = partner ? [partner.first_name, partner.last_name].filter(Boolean).join(' ') : `partner ${state.partnerId}`;
      withBanner(res, deps.views.render('admin/view-as-banner', { name, partnerId: state.partnerId, action: VIEW_AS_END_PATH, csrfToken: req.ctx.csrfToken, detailHref: `${ADMIN_BASE}/partners/${state.partnerId}` }));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Routes under the admin area: start and end viewing. */
export function viewAsRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.post('/partners/:id/view-as', async (req, res) => {
    const id = positiveInt(req.params.id, 'id');
    const partner = await sessionPartnerRow(db, id);
    if (!partner) throw new AppError('not_found', `There is no partner ${id} with a contact and program to view.`);
    const s = req.ctx.session!;
    await deleteStaleViewAs(db, deps.now() - deps.sessionPolicy.absoluteMs);
    await db.transaction().execute(async (trx) => {
      await writeViewAs(trx, s.id_hash, { partnerId: id, startedAt: deps.now() });
      await auditAdmin(deps, req, 'admin.view_as_started', {}, id, trx);
    });
    res.redirect(303, '/partner-center/');
  });

  router.post('/view-as/end', async (req, res) => {
    const partnerId = await endViewAs(deps, req, 'button');
    res.redirect(303, partnerId ? `${ADMIN_BASE}/partners/${partnerId}?done=view_ended` : `${ADMIN_BASE}/`);
  });

  return router;
}
