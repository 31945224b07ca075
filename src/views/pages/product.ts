/** `/partner-center/products/:productId`: the partner's commissions for one product (last 30 days or a range). */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { AppError, parseUrlId } from '../../common/index.js';
import { productCommissions } from '../../partners/index.js';
import { exportLinks, layoutModel, pageInput, pager, partnerOf, pastEndProblem, rangeForm, render } from './common.js';

const PAGE_SIZE = 25;

export function productPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const raw = String(req.params.productId ?? '');
    // The id only filters; rows stay scoped to the signed-in partner. Anything not a plain id is "no such product".
    const productId = parseUrlId(raw);
    if (productId === undefined) throw new AppError('not_found', 'There is no such product.');
    const input = pageInput(req, res, deps);
    const range = input.range({ defaultDays: 30 });
    const pageNo = input.page();
    const db = deps.store.db;
    let result = await productCommissions(db, { partnerId: partner.id, productId, range, page: { page: pageNo, size: PAGE_SIZE } });
    if (result.page.pastEnd) {
      input.problems.push(pastEndProblem(pageNo, input.locale));
      result = await productCommissions(db, { partnerId: partner.id, productId, range, page: { page: 1, size: PAGE_SIZE } });
    }
    const path = `/partner-center/products/${productId}`;
    render(
      res,
      deps,
      'pages/product',
      {
        ...layoutModel(req, partner, { title: result.product.name, current: 'commissions', problems: input.problems }),
        product: result.product,
        stats: result.stats,
        range,
        rows: result.page.rows,
        pager: pager(path, { from: range.from, to: range.to }, result.page),
        rangeForm: rangeForm(path, range, input),
        exports: exportLinks(['commissions'], range, { product: productId }),
      },
      input.status,
    );
  };
}
