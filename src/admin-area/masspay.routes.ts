/**
 * `/masspay`: the payout run. Download the PayPal MassPay file (and the partners left out of it) for a currency
 * and threshold; then upload PayPal's result file, see what confirming it would record (a dry run that changes
 * nothing), and confirm. The downloads themselves are the reports capability's admin routes.
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { ADMIN_BASE, render } from './http.js';

export function masspayRoutes(deps: GatewayDeps): Router {
  const router = Router();

  router.get('/masspay', (req, res) => {
    render(deps, req, res, 'masspay', 'masspay', {
      title: 'MassPay',
      currency: deps.config.defaultCurrency,
      downloadAction: `${ADMIN_BASE}/exports/masspay.csv`,
      skippedAction: `${ADMIN_BASE}/exports/masspay-skipped.csv`,
    });
  });

  return router;
}
