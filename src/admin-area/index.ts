/**
 * The admin area at `/partner-center/admin/`: server-rendered pages for administrators (partners, view as
 * partner, sync status, email outbox, migration journals, MassPay, blocks configuration, audit log).
 *
 * For the app:
 * - `createAdminArea(deps, { blocks })`: the router to mount at `/partner-center/admin`. Its first handler is the
 *   guard (administrator, second factor done, `no-store`), so every route behind it is covered, including the
 *   reports capability's MassPay downloads mounted inside it.
 * - `viewAsLayer(deps)`: app-level, before every own route: makes an admin session that views as a partner
 *   read-only and bannered, and ends the view (audited) on sign-out.
 * - `createReloadableBlocks(deps)`: the blocks routes behind a swappable router (reload without a restart).
 * - `ADMIN_HOME`: where an administrator lands after signing in.
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { createAdminReportsRouter } from '../reports/index.js';
import { auditRoutes } from './audit.routes.js';
import type { ReloadableBlocks } from './blocks-reload.js';
import { blocksRoutes } from './blocks.routes.js';
import { ADMIN_BASE, requireAdminArea } from './http.js';
import { journalRoutes } from './journals.routes.js';
import { MASSPAY_PREVIEW_PATH, masspayRoutes } from './masspay.routes.js';
import { outboxRoutes } from './outbox.routes.js';
import { overviewRoutes } from './overview.routes.js';
import { partnersRoutes } from './partners.routes.js';
import { syncRoutes } from './sync.routes.js';
import { multipartUploads } from './upload.js';
import { eraseRoutes } from './erase.routes.js';
import { viewAsRoutes } from './view-as.js';

export { viewAsLayer } from './view-as.js';
export { createReloadableBlocks, type ReloadableBlocks } from './blocks-reload.js';
export { ADMIN_BASE, requireAdminArea } from './http.js';

/** App-level, after the session loader and before the CSRF check: the admin area's multipart uploads. */
export const adminUploads = multipartUploads([MASSPAY_PREVIEW_PATH]);

export const ADMIN_HOME = `${ADMIN_BASE}/`;

export function createAdminArea(deps: GatewayDeps, opts: { blocks: ReloadableBlocks }): Router {
  const router = Router();
  router.use(requireAdminArea);
  router.use(overviewRoutes(deps));
  router.use(partnersRoutes(deps));
  router.use(viewAsRoutes(deps));
  router.use(eraseRoutes(deps));
  router.use(syncRoutes(deps));
  router.use(outboxRoutes(deps));
  router.use(journalRoutes(deps));
  router.use(masspayRoutes(deps));
  router.use(blocksRoutes(deps, opts.blocks));
  router.use(auditRoutes(deps));
  router.use(createAdminReportsRouter(deps));
  return router;
}
