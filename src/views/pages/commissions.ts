/**
 * Commission lists: `/commissions/pending` (total pending on top, newest first), `/commissions/paid` (history by
 * date paid, newest first) and `/commissions?status=` (all, with a status filter).
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { COMMISSION_STATUSES, type CommissionStatus } from '../../store/index.js';
import { allTimeTotals, commissionPage } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, pager, partnerOf, pastEndProblem, rangeForm, render } from './common.js';
import { queryString } from './input.js';
import { capitalise, t } from '../../i18n/index.js';

const PAGE_SIZE = 25;
export type CommissionView = 'pending' | 'paid' | 'all';

const paths: Record<CommissionView, string> = { pending: '/partner-center/commissions/pending', paid: '/partner-center/commissions/paid', all: '/partner-center/commissions' };

export function commissionsPage(deps: GatewayDeps, view: CommissionView): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const status = view === 'all' ? input.choice('status', ['all', ...COMMISSION_STATUSES] as const, 'all', t(req.ctx.locale, 'commissions:status')) : view;
    const range = input.range({ defaultDays: 30, optional: true });
    const pageNo = input.page();
    const statuses: CommissionStatus[] | undefined = status === 'all' ? undefined : [status];
    const orderBy = view === 'paid' ? 'paid_at' : 'transaction_at';
    const db = deps.store.db;
    const fetch = (page: number) => commissionPage(db, { partnerId: partner.id, statuses, orderBy, range, page: { page, size: PAGE_SIZE } });
    const [first, totals] = await Promise.all([fetch(pageNo), allTimeTotals(db, partner.id)]);
    let list = first;
    if (list.pastEnd) {
      input.problems.push(pastEndProblem(pageNo, input.locale));
      list = await fetch(1);
    }
    const path = paths[view];
    const params = { status: view === 'all' && status !== 'all' ? status : undefined, from: range?.from, to: range?.to };
    render(
      res,
      deps,
      'pages/commissions',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'commissions:title', { view }), current: 'commissions', problems: input.problems }),
        heading: t(req.ctx.locale, 'commissions:title', { view }),
        view,
        isPending: view === 'pending',
        isPaid: view === 'paid',
        isAll: view === 'all',
        totals,
        tabs: [
          { href: paths.pending, label: t(req.ctx.locale, 'commissions:tab', { view: 'pending' }), current: view === 'pending' },
          { href: paths.paid, label: t(req.ctx.locale, 'commissions:tab', { view: 'paid' }), current: view === 'paid' },
          { href: paths.all, label: t(req.ctx.locale, 'commissions:tab', { view: 'all' }), current: view === 'all' },
        ],
        statusOptions: ['all', ...COMMISSION_STATUSES].map((s) => ({ value: s, label: s === 'all' ? t(req.ctx.locale, 'commissions:allStatuses') : capitalise(t(req.ctx.locale, 'common:status', { status: s }), req.ctx.locale), selected: s === status })),
        status,
        rows: list.rows,
        dateLabel: t(req.ctx.locale, view === 'paid' ? 'commissions:datePaid' : 'common:table.transactionDate'),
        pager: pager(path, params, list),
        rangeForm: rangeForm(path, range, input, { status: params.status }),
        exports: exportLinks(['commissions'], range ?? input.allDatesRange(), { status: statuses?.join(',') }),
        clearHref: `${path}${queryString({ status: params.status })}`,
      },
      input.status,
    );
  };
}
