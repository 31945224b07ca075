/** The partner's lists: referred contacts, commissions (pending, paid, by status, by product), open orders. */
import type { CommissionStatus, Product } from '../store/index.js';
import { AppError } from '../common/index.js';
import type { Db, MsRange } from './repos/db.js';
import { readPage, type PageRequest, type Paged } from './paging.js';
import { listReferredContacts } from './repos/contacts.repo.js';
import { listCommissions, periodCommissionStats, saleCountsByContact, type CommissionListRow } from './repos/commissions.repo.js';
import { activeOpenOrderTotals, findProduct, listActiveOpenOrders, type OpenOrderRow } from './repos/catalog.repo.js';
import { allTimeTotalsByStatus, moneyTotals, type MoneyTotals } from './dashboard.js';


export interface ReferredContact {
  id: number;
  name: string;
  addedAt: number;
  purchases: number;
}

export async function referredContacts(db: Db, q: { partnerId: number; as: 'first' | 'last'; range?: MsRange; page: PageRequest }): Promise<Paged<ReferredContact>> {
  const page = await readPage(q.page, (limit, offset) => listReferredContacts(db, { partnerId: q.partnerId, as: q.as, range: q.range, limit, offset }));
  const counts = await saleCountsByContact(db, q.partnerId, page.rows.map((r) => r.id));
  return {
    ...page,
    rows: page.rows.map((r) => ({ id: r.id, name: `${r.first_name} ${r.last_name}`.trim() || '(no name)', addedAt: r.added_at, purchases: counts.get(r.id) ?? 0 })),
  };
}

export interface CommissionItem {
  id: number;
  kind: CommissionListRow['kind'];
  status: CommissionStatus;
  amountCents: number;
  currency: string;
  transactionAt: number;
  processedAt: number | null;
  paidAt: number | null;
  subId: string | null;
  contactName: string;
  productId: number | null;
  productName: string;
}

function toItem(r: CommissionListRow): CommissionItem {
  const contact = `${r.contact_first_name ?? ''} ${r.contact_last_name ?? ''}`.trim();
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    amountCents: r.amount_cents,
    currency: r.currency,
    transactionAt: r.transaction_at,
    processedAt: r.processed_at,
    paidAt: r.paid_at,
    subId: r.sub_id,
    contactName: contact || (r.contact_id === null ? '—' : '(no name)'),
    productId: r.product_id,
    productName: r.product_name ?? (r.product_id === null ? '—' : `Product ${r.product_id}`),
  };
}

export async function commissionPage(
  db: Db,
  q: { partnerId: number; statuses?: CommissionStatus[]; productId?: number; orderBy: 'transaction_at' | 'paid_at'; range?: MsRange; page: PageRequest },
): Promise<Paged<CommissionItem>> {
  const page = await readPage(q.page, (limit, offset) => listCommissions(db, { ...q, limit, offset }));
  return { ...page, rows: page.rows.map(toItem) };
}

/** All-time money totals (for the "total pending" line above the pending list). */
export async function allTimeTotals(db: Db, partnerId: number): Promise<MoneyTotals> {
  return moneyTotals(await allTimeTotalsByStatus(db, partnerId));
}

/** The product (404 when unknown) and the partner's figures for it over a range. */
export async function productCommissions(db: Db, q: { partnerId: number; productId: number; range: MsRange; page: PageRequest }) {
  const product: Product | undefined = await findProduct(db, q.productId);
  if (!product) throw new AppError('not_found', `There is no product ${q.productId}.`, { field: 'productId' });
  const [stats, page] = await Promise.all([
    periodCommissionStats(db, q.partnerId, q.range, { productId: q.productId }),
    commissionPage(db, { partnerId: q.partnerId, productId: q.productId, orderBy: 'transaction_at', range: q.range, page: q.page }),
  ]);
  return { product, stats, page };
}

export interface OpenOrderItem {
  id: number;
  contactName: string;
  productId: number | null;
  productName: string;
  amountCents: number;
  commissionCents: number;
  currency: string;
  nextChargeAt: number | null;
  startedAt: number;
}

export async function activeOpenOrders(db: Db, q: { partnerId: number; page: PageRequest }) {
  const [totals, page] = await Promise.all([
    activeOpenOrderTotals(db, q.partnerId),
    readPage(q.page, (limit, offset) => listActiveOpenOrders(db, q.partnerId, limit, offset)),
  ]);
  const rows: OpenOrderItem[] = page.rows.map((r: OpenOrderRow) => ({
    id: r.id,
    contactName: `${r.contact_first_name ?? ''} ${r.contact_last_name ?? ''}`.trim() || '—',
    productId: r.product_id,
    productName: r.product_name ?? '—',
    amountCents: r.amount_cents,
    commissionCents: r.commission_cents,
    currency: r.currency,
    nextChargeAt: r.next_charge_at,
    startedAt: r.started_at,
  }));
  return { totals, page: { ...page, rows } };
}
