/**
 * Commission rows of one partner. Every function takes the partner id and puts it first in the WHERE clause,
 * so each query runs on an index that starts with `partner_id` (see the initial migration and 0500).
 */
import { sql } from 'kysely';
import { commissionCases, type CommissionKind, type CommissionStatus } from '../../store/index.js';
import { num, type Db, type MsRange } from './db.js';

export interface StatusKindTotal {
  status: CommissionStatus;
  kind: CommissionKind;
  totalCents: number;
  count: number;
}

/** Sum and count per (status, kind), all time or over transactions in a range. */
export async function totalsByStatusAndKind(db: Db, partnerId: number, range?: MsRange): Promise<StatusKindTotal[]> {
  let q = db
    .selectFrom('commissions')
    .select(['status', 'kind', (eb) => eb.fn.sum<number>('amount_cents').as('total'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('partner_id', '=', partnerId);
  if (range) q = q.where('transaction_at', '>=', range.startMs).where('transaction_at', '<', range.endMs);
  const rows = await q.groupBy(['status', 'kind']).execute();
  return rows.map((r) => ({ status: r.status, kind: r.kind, totalCents: num(r.total), count: num(r.n) }));
}

export interface CommissionListRow {
  id: number;
  kind: CommissionKind;
  status: CommissionStatus;
  amount_cents: number;
  currency: string;
  transaction_at: number;
  processed_at: number | null;
  paid_at: number | null;
  sub_id: string | null;
  contact_id: number | null;
  product_id: number | null;
  contact_first_name: string | null;
  contact_last_name: string | null;
  product_name: string | null;
}

export interface CommissionListQuery {
  partnerId: number;
  statuses?: CommissionStatus[];
  productId?: number;
  /** Which date the list is sorted (newest first) and filtered by. */
  orderBy: 'transaction_at' | 'paid_at';
  range?: MsRange;
  limit: number;
  offset: number;
}

/** One page of commissions with the contact's name and the product's name. */
export async function listCommissions(db: Db, q: CommissionListQuery): Promise<CommissionListRow[]> {
  let query = db
    .selectFrom('commissions as m')
    .leftJoin('contacts as c', 'c.id', 'm.contact_id')
    .leftJoin('products as d', 'd.id', 'm.product_id')
    .select([
      'm.id', 'm.kind', 'm.status', 'm.amount_cents', 'm.currency', 'm.transaction_at', 'm.processed_at', 'm.paid_at', 'm.sub_id',
      'm.contact_id', 'm.product_id', 'c.first_name as contact_first_name', 'c.last_name as contact_last_name', 'd.name as product_name',
    ])
    .where('m.partner_id', '=', q.partnerId);
  if (q.statuses?.length) query = query.where('m.status', 'in', q.statuses);
  if (q.productId !== undefined) query = query.where('m.product_id', '=', q.productId);
  const dateCol = q.orderBy === 'paid_at' ? 'm.paid_at' : 'm.transaction_at';
  if (q.orderBy === 'paid_at') query = query.where('m.paid_at', 'is not', null);
  if (q.range) query = query.where(dateCol, '>=', q.range.startMs).where(dateCol, '<', q.range.endMs);
  return query.orderBy(dateCol, 'desc').orderBy('m.id', 'desc').limit(q.limit).offset(q.offset).execute();
}

export interface PeriodCommissionStats {
  /** Sale rows not declined (domain: a sale for reports). */
  sales: number;
  earnedCents: number;
  pendingCents: number;
}

const rule = commissionCases();
const earnedCase = sql<number>`sum(${rule.earned})`;
const pendingCase = sql<number>`sum(${rule.pending})`;
const salesCase = sql<number>`sum(${rule.sales})`;

/** Sales, earned and pending amounts of the transactions in a range, optionally for one product or SubID. */
export async function periodCommissionStats(db: Db, partnerId: number, range: MsRange, filter: { productId?: number; subId?: string } = {}): Promise<PeriodCommissionStats> {
  let q = db
    .selectFrom('commissions')
    .select([salesCase.as('sales'), earnedCase.as('earned'), pendingCase.as('pending')])
    .where('partner_id', '=', partnerId)
    .where('transaction_at', '>=', range.startMs)
    .where('transaction_at', '<', range.endMs);
  if (filter.productId !== undefined) q = q.where('product_id', '=', filter.productId);
  if (filter.subId !== undefined) q = q.where('sub_id', '=', filter.subId);
  const r = await q.executeTakeFirst();
  return { sales: num(r?.sales), earnedCents: num(r?.earned), pendingCents: num(r?.pending) };
}

export interface KeyedCommissionStats extends PeriodCommissionStats {
  key: string | number | null;
}

/** Sales, earned and pending per promo tool or SubID over a range. */
export async function commissionStatsByKey(db: Db, partnerId: number, range: MsRange, key: 'promo_tool_id' | 'sub_id', filter: { subId?: string } = {}): Promise<KeyedCommissionStats[]> {
  let q = db
    .selectFrom('commissions')
    .select([key, salesCase.as('sales'), earnedCase.as('earned'), pendingCase.as('pending')])
    .where('partner_id', '=', partnerId)
    .where('transaction_at', '>=', range.startMs)
    .where('transaction_at', '<', range.endMs);
  if (filter.subId !== undefined) q = q.where('sub_id', '=', filter.subId);
  const rows = await q.groupBy(key).execute();
  return rows.map((r) => ({ key: (r as Record<string, unknown>)[key] as string | number | null, sales: num(r.sales), earnedCents: num(r.earned), pendingCents: num(r.pending) }));
}

/** Sale commissions per referred contact (any status), for the contacts on one page. */
export async function saleCountsByContact(db: Db, partnerId: number, contactIds: number[]): Promise<Map<number, number>> {
  if (contactIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('commissions')
    .select(['contact_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('contact_id', 'in', contactIds)
    .where('partner_id', '=', partnerId)
    .where('kind', '=', 'sale')
    .groupBy('contact_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.contact_id), num(r.n)]));
}
