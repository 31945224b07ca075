/** `/partner-center/contacts?as=first|last`: contacts the partner referred, newest first, paginated. */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { referredContacts } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, pager, partnerOf, pastEndProblem, rangeForm, render } from './common.js';
import { queryString } from './input.js';
import { t } from '../../i18n/index.js';

const PAGE_SIZE = 25;

export function contactsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const as = input.choice('as', ['first', 'last'] as const, 'first', t(req.ctx.locale, 'common:input.list'));
    const range = input.range({ defaultDays: 30, optional: true });
    const pageNo = input.page();
    const db = deps.store.db;
    let list = await referredContacts(db, { partnerId: partner.id, as, range, page: { page: pageNo, size: PAGE_SIZE } });
    if (list.pastEnd) {
      input.problems.push(pastEndProblem(pageNo, input.locale));
      list = await referredContacts(db, { partnerId: partner.id, as, range, page: { page: 1, size: PAGE_SIZE } });
    }
    const params = { as: as === 'first' ? undefined : as, from: range?.from, to: range?.to };
    render(
      res,
      deps,
      'pages/contacts',
      {
        ...layoutModel(req, partner, { title: t(req.ctx.locale, 'contacts:title'), current: 'contacts', problems: input.problems }),
        as,
        tabs: [
          { href: `/partner-center/contacts${queryString({ from: range?.from, to: range?.to })}`, label: t(req.ctx.locale, 'contacts:asFirst'), current: as === 'first' },
          { href: `/partner-center/contacts${queryString({ as: 'last', from: range?.from, to: range?.to })}`, label: t(req.ctx.locale, 'contacts:asLast'), current: as === 'last' },
        ],
        rows: list.rows,
        pager: pager('/partner-center/contacts', params, list),
        rangeForm: rangeForm('/partner-center/contacts', range, input, { as: as === 'first' ? undefined : as }),
        exports: exportLinks(['contacts'], range ?? input.allDatesRange()),
      },
      input.status,
    );
  };
}
