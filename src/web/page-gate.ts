/**
 * Switched-off pages: a partner-center page that the partner center configuration (src/partners
 * center-setup) does not list answers 404, and the layout's menu leaves it out. Exports and report APIs stay
 * available: they are reached from the pages that remain (and from links partners kept).
 */
import type { RequestHandler } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { enabledPages, type PartnerCenterPage } from '../partners/index.js';

/** The page a path under /partner-center belongs to (first segment), if it is one that can be switched off. */
export function pageOfPath(path: string): PartnerCenterPage | undefined {
  const first = path.split('/')[1] ?? '';
  switch (first) {
    case 'contacts':
    case 'subscriptions':
    case 'earnings':
    case 'reports':
    case 'promo-tools':
    case 'links':
    case 'leaderboard':
      return first;
    case 'commissions':
    case 'products':
      return 'commissions';
    default:
      return undefined;
  }
}

/** Mounted on /partner-center after the partner guard: puts the enabled pages on `res.locals` for the menu. */
export function pageGate(deps: GatewayDeps): RequestHandler {
  return (req, res, next) => {
    enabledPages(deps.store.db, deps.now()).then((pages) => {
      res.locals.enabledPages = pages;
      const page = pageOfPath(req.path);
      if (page && !pages.has(page)) return next(new AppError('not_found', 'There is no page at this address.'));
      next();
    }, next);
  };
}
