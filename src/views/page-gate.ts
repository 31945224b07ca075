/**
 * Switched-off pages: a partner-center page that the partner center configuration (src/partners
 * center-setup) does not list answers 404, and the layout's menu leaves it out. The page's data goes with it:
 * its CSV export (`/exports/<name>.csv`) and its JSON (`/api/reports/<name>`) answer 404 too, otherwise a
 * switched-off page would still be readable through a kept link or a script.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { enabledPages, type PartnerCenterPage } from '../partners/index.js';
import type { ReportName } from '../reports/index.js';

/** The page whose rows each export and report API serves: one entry per report name of src/reports. */
const PAGE_OF_REPORT: Readonly<Record<ReportName, PartnerCenterPage>> = {
  commissions: 'commissions',
  refunds: 'earnings',
  payments: 'earnings',
  contacts: 'contacts',
  subscriptions: 'subscriptions',
  report: 'reports',
};

/** `/exports/<name>.csv` and `/api/reports/<name>`: the page of that report, if it names one. */
function pageOfReportPath(segments: string[]): PartnerCenterPage | undefined {
  const name = segments[1] === 'exports' ? segments[2]?.replace(/\.csv$/, '') : segments[1] === 'api' && segments[2] === 'reports' ? segments[3] : undefined;
  return name !== undefined && Object.hasOwn(PAGE_OF_REPORT, name) ? PAGE_OF_REPORT[name as ReportName] : undefined;
}

/**
 * The page a path under /partner-center belongs to (first segment; for exports and report APIs, the report's
 * page), if it is one that can be switched off.
 */
export function pageOfPath(path: string): PartnerCenterPage | undefined {
  const segments = path.split('/');
  const first = segments[1] ?? '';
  switch (first) {
    case 'exports':
    case 'api':
      return pageOfReportPath(segments);
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
    case 'payouts':
      return 'earnings';
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
