/**
 * Routes of the partner center pages under `/partner-center` (mounted behind requirePartner by app.ts). One
 * module per page in `pages/` parses input, calls a `src/partners` service and renders `templates/pages/<page>`.
 * The partner id always comes from the session (`partnerIdOf`), never from the request.
 * Exports (`/exports/*`), report APIs, leaderboards and contests belong to other routers; pages only link to them.
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { nextTierRequirement } from '../blocks/index.js';
import type { PartnerProfile, TierRequirementSource } from '../partners/index.js';
import { loadPartner } from './pages/common.js';
import { dashboardPage } from './pages/dashboard.js';
import { contactsPage } from './pages/contacts.js';
import { commissionsPage } from './pages/commissions.js';
import { productPage } from './pages/product.js';
import { subscriptionsPage } from './pages/subscriptions.js';
import { earningsPage } from './pages/earnings.js';
import { reportsPage } from './pages/reports.js';
import { promoQrRoute, promoToolsPage } from './pages/promo-tools.js';
import { linksPage } from './pages/links.js';
import { payoutStatementCsvRoute, payoutStatementPage, payoutsPage } from './pages/payouts.js';
import {
  changeLocaleAction, changeNotificationsAction, changeTimeZoneAction, confirmChangeAction, confirmChangePage, requestChangeAction, settingsPage,
} from './pages/settings.js';
import { createApiKeyAction, revokeApiKeyAction } from './pages/api-keys.js';
import { dataExportAction } from './pages/data-export.js';

export interface PartnerCenterOptions {
  /** What the next tier level needs; default: the tier rules of the blocks configuration. */
  tierRequirement?: (partner: PartnerProfile, now: number) => TierRequirementSource;
}

/** The tier rules' requirement (src/blocks), in the partner's zone and at the gateway's "now". */
export function tierRulesRequirement(deps: GatewayDeps): (partner: PartnerProfile, now: number) => TierRequirementSource {
  return (partner, now) => async (partnerId) => {
    const r = await nextTierRequirement(deps.store.db, partnerId, { blocks: deps.blocks.get(), timeZone: partner.timeZone, now });
    return r ? { label: r.label, unit: r.unit, requiredValue: r.requiredValue, currentValue: r.currentValue, remainingValue: r.remainingValue, nextProgramId: r.next.programId } : undefined;
  };
}

export function createPartnerCenterRouter(deps: GatewayDeps, options: PartnerCenterOptions = {}): Router {
  const router = Router();
  // The profile is read on this router's own routes only, not for every request that falls through to a 404.
  const p = loadPartner(deps);
  router.get('/', p, dashboardPage(deps, { tierRequirement: options.tierRequirement ?? tierRulesRequirement(deps) }));
  router.get('/contacts', p, contactsPage(deps));
  router.get('/commissions', p, commissionsPage(deps, 'all'));
  router.get('/commissions/pending', p, commissionsPage(deps, 'pending'));
  router.get('/commissions/paid', p, commissionsPage(deps, 'paid'));
  router.get('/products/:productId', p, productPage(deps));
  router.get('/subscriptions', p, subscriptionsPage(deps));
  router.get('/earnings', p, earningsPage(deps));
  router.get('/payouts', p, payoutsPage(deps));
  router.get('/payouts/:payoutId', p, payoutStatementPage(deps));
  router.get('/payouts/:payoutId/statement.csv', p, payoutStatementCsvRoute(deps));
  router.get('/reports', p, reportsPage(deps));
  router.get('/promo-tools', p, promoToolsPage(deps));
  router.get('/promo-tools/qr.svg', p, promoQrRoute(deps, 'svg'));
  router.get('/promo-tools/qr.png', p, promoQrRoute(deps, 'png'));
  router.get('/links', p, linksPage(deps));
  router.get('/settings', p, settingsPage(deps));
  router.post('/settings/paypal', p, requestChangeAction(deps, 'paypal'));
  router.get('/settings/paypal/confirm', p, confirmChangePage(deps, 'paypal'));
  router.post('/settings/paypal/confirm', p, confirmChangeAction(deps, 'paypal'));
  router.post('/settings/email', p, requestChangeAction(deps, 'login_email'));
  router.get('/settings/email/confirm', p, confirmChangePage(deps, 'login_email'));
  router.post('/settings/email/confirm', p, confirmChangeAction(deps, 'login_email'));
  router.post('/settings/time-zone', p, changeTimeZoneAction(deps));
  router.post('/settings/language', p, changeLocaleAction(deps));
  router.post('/settings/notifications', p, changeNotificationsAction(deps));
  router.post('/settings/api-keys', p, createApiKeyAction(deps));
  router.post('/settings/api-keys/:id/revoke', p, revokeApiKeyAction(deps));
  router.post('/settings/data-export', p, dataExportAction(deps));
  return router;
}
