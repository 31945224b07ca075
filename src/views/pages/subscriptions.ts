/** `/partner-center/subscriptions`: active referred open orders with next charge and commission. */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { activeOpenOrders } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, pager, partnerOf, pastEndProblem, render } from './common.js';
import { t } from '../../i18n/index.js';

const PAGE_SIZE = 25;

export function subscriptionsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const pageNo = input.page();
    const db = deps.store.db;
    let result = await activeOpenOrders(db, { partnerId: partner.id, page: { page: pageNo, size: PAGE_SIZE } });
    if (result.page.pastEnd) {
      input.problems.push(pastEndProblem(pageNo, input.locale));
      result = await activeOpenOrders(db, { partnerId: partner.id, page: { page: 1, size: PAGE_SIZE } });
    }
    render(
      res,
      deps,
      'pages/subscriptions',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'subscriptions:title'), current: 'subscriptions', problems: input.problems }),
        totals: result.totals,
        rows: result.page.rows,
        pager: pager('/partner-center/subscriptions', {}, result.page),
        // Every subscription started in the longest range an export accepts, in every status (ended ones too).
        exports: exportLinks(['subscriptions'], input.allDatesRange()),
      },
      input.status,
    );
  };
}
