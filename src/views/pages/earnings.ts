/** `/partner-center/earnings`: the ledger of commissions, refunds, clawbacks and payments with running balance. */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { earningsLedger, LEDGER_MAX_ROWS } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, pager, partnerOf, pastEndProblem, rangeForm, render } from './common.js';
import { t } from '../../i18n/index.js';

const PAGE_SIZE = 50;

export function earningsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const chosen = input.text('from') !== undefined || input.text('to') !== undefined;
    let range = input.range({ defaultDays: 30 });
    const pageNo = input.page();
    const db = deps.store.db;
    let notice: string | undefined;
    let ledger = await earningsLedger(db, { partnerId: partner.id, range, page: { page: pageNo, size: PAGE_SIZE } });
    if (ledger.truncated && !chosen) {
      // The busiest partners have more entries in a month than one page view reads: show their last week.
      range = input.defaultRange(7);
      ledger = await earningsLedger(db, { partnerId: partner.id, range, page: { page: pageNo, size: PAGE_SIZE } });
      notice = t(req.ctx.locale, 'earnings:busy');
    }
    if (ledger.pastEnd) {
      input.problems.push(pastEndProblem(pageNo, input.locale));
      ledger = await earningsLedger(db, { partnerId: partner.id, range, page: { page: 1, size: PAGE_SIZE } });
    }
    if (ledger.truncated) {
      input.problem('from', `From date: this range has more than ${LEDGER_MAX_ROWS.toLocaleString('en-US')} ledger entries. Choose a shorter range, or download the CSV files.`);
    }
    render(
      res,
      deps,
      'pages/earnings',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'earnings:title'), current: 'earnings', problems: input.problems, notice }),
        ledger,
        range,
        pager: pager('/partner-center/earnings', { from: range.from, to: range.to }, ledger),
        rangeForm: rangeForm('/partner-center/earnings', range, input),
        exports: exportLinks(['commissions', 'refunds', 'payments'], range),
      },
      input.status,
    );
  };
}
