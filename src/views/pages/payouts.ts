/**
 * `/partner-center/payouts`: the partner's payouts; `/payouts/<id>`: one payout's statement (every commission it
 * paid); `/payouts/<id>/statement.csv`: the same as CSV. The partner comes from the session only: another
 * partner's payout id answers 404, like an id that does not exist.
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { AppError, formatLocal } from '../../common/index.js';
import { listPayouts, payoutStatement } from '../../payouts/index.js';
import { payoutStatementCsv } from '../../reports/index.js';
import { layoutModel, partnerOf, render } from './common.js';
import { t } from '../../i18n/index.js';

function payoutIdOf(raw: unknown): number {
  const text = typeof raw === 'string' ? raw : '';
  if (!/^\d{1,12}$/.test(text)) throw new AppError('not_found', 'No such payout.');
  return Number(text);
}

export function payoutsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const payouts = await listPayouts(deps.store.db, partner.id, { limit: 500, offset: 0 });
    render(res, deps, 'pages/payouts', { ...layoutModel(req, partner, { title: t(req.ctx.locale, 'payouts:title'), current: 'earnings' }), payouts });
  };
}

export function payoutStatementPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const statement = await payoutStatement(deps.store.db, partner.id, payoutIdOf(req.params.payoutId));
    render(res, deps, 'pages/payout-statement', {
      ...layoutModel(req, partner, { title: t(req.ctx.locale, 'payouts:statementTitle', { date: formatLocal(statement.payout.paidAt, partner.timeZone, false, req.ctx.locale) }), current: 'earnings' }),
      statement,
      csvHref: `/partner-center/payouts/${statement.payout.id}/statement.csv`,
    });
  };
}

export function payoutStatementCsvRoute(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const statement = await payoutStatement(deps.store.db, partner.id, payoutIdOf(req.params.payoutId));
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="partnergate-payout-${statement.payout.id}.csv"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(payoutStatementCsv(statement));
  };
}
