/**
 * The row-level exports as queries: commissions, refunds, payments (detail and summary), referred contacts and
 * subscriptions (open orders).
 * Each report is a list of columns (raw SQL expression + kind), a FROM/WHERE scoped to the signed-in partner
 * and the date range, and a unique sort key (also the keyset of JSON paging). One definition serves the three
 * ways of running it: raw rows (csv-stringify and JSON) and the formatted SELECT inside a PostgreSQL COPY.
 */
import { sql, type CompiledQuery, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { CommissionStatus, Database } from '../store/index.js';
import { pgCellExpression, type ColumnSpec } from './columns.js';

/** What every query is limited to: the signed-in partner and `[startMs, endMs)`. */
export interface ReportScope {
  partnerId: number;
  startMs: number;
  endMs: number;
  /** Commissions report: only these statuses (all when absent). */
  statuses?: readonly CommissionStatus[];
  /** Commissions report: only this product's (Partnergate product id; all when absent). */
  productId?: number;
  /** The partner's program currency (aggregate reports give clicks and leads this currency). */
  currency: string;
  /** Contacts report: write referred customers' emails masked. */
  maskEmails?: boolean;
  /** Affiliate report: only visits and commissions with this SubID (and no leads: a lead has no SubID). */
  subId?: string;
}

export interface QueryColumn extends ColumnSpec {
  expr: RawBuilder<unknown>;
}

export interface SortKey {
  expr: RawBuilder<unknown>;
  /** The column holding the key's value in a result row. */
  column: number;
  /** The value the expression gives when the column is NULL (`coalesce` in `expr`). */
  nullAs?: number | string;
}

// kysely's builder types cannot follow columns chosen at run time; the column list carries the types instead.
type AnySelect = SelectQueryBuilder<any, any, any>;

export interface ReportQuery {
  columns: readonly QueryColumn[];
  from: AnySelect;
  /** Unique, in this order: ORDER BY and keyset. */
  keys: readonly SortKey[];
  groupBy?: readonly RawBuilder<unknown>[];
}

const ref = (column: string) => sql.ref(column) as RawBuilder<unknown>;
const col = (header: string, kind: ColumnSpec['kind'], expr: RawBuilder<unknown> | string): QueryColumn => ({
  header,
  kind,
  expr: typeof expr === 'string' ? ref(expr) : expr,
});

export function commissionsQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  let from = db
    .selectFrom('commissions as c')
    .leftJoin('products as pr', 'pr.id', 'c.product_id')
    .leftJoin('promo_tools as pt', 'pt.id', 'c.promo_tool_id')
    .where('c.partner_id', '=', s.partnerId)
    .where('c.transaction_at', '>=', s.startMs)
    .where('c.transaction_at', '<', s.endMs);
  if (s.statuses?.length) from = from.where('c.status', 'in', [...s.statuses]);
  if (s.productId !== undefined) from = from.where('c.product_id', '=', s.productId);
  return {
    columns: [
      col('commission_id', 'int', 'c.id'),
      col('transaction_at', 'instant', 'c.transaction_at'),
      col('transaction_date_local', 'localDate', 'c.transaction_at'),
      col('kind', 'text', 'c.kind'),
      col('status', 'text', 'c.status'),
      col('amount', 'money', 'c.amount_cents'),
      col('currency', 'text', 'c.currency'),
      col('product', 'text', 'pr.name'),
      col('promo_tool', 'text', 'pt.name'),
      col('sub_id', 'text', 'c.sub_id'),
      col('contact_id', 'int', 'c.contact_id'),
      col('processed_at', 'instant', 'c.processed_at'),
      col('paid_at', 'instant', 'c.paid_at'),
      col('payout_id', 'int', 'c.payout_id'),
    ],
    from,
    keys: [
      { expr: ref('c.transaction_at'), column: 1 },
      { expr: ref('c.id'), column: 0 },
    ],
  };
}

/** Refunded sales (reduced before payout) and clawbacks (refunded after payout), as negative amounts. */
export function refundsQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const refundedAt = sql`coalesce(c.processed_at, c.transaction_at)`;
  const from = db
    .selectFrom('commissions as c')
    .leftJoin('products as pr', 'pr.id', 'c.product_id')
    .where('c.partner_id', '=', s.partnerId)
    .where(sql<boolean>`((c.kind = 'sale' and c.status = 'refunded') or c.kind in ('refund', 'clawback'))`)
    .where(sql<boolean>`${refundedAt} >= ${s.startMs}`)
    .where(sql<boolean>`${refundedAt} < ${s.endMs}`);
  return {
    columns: [
      col('commission_id', 'int', 'c.id'),
      col('refunded_at', 'instant', refundedAt),
      col('refunded_date_local', 'localDate', refundedAt),
      col('kind', 'text', sql`case when c.kind = 'clawback' then 'clawback' else 'refund' end`),
      col('status', 'text', 'c.status'),
      col('amount', 'money', sql`-abs(c.amount_cents)`),
      col('currency', 'text', 'c.currency'),
      col('transaction_at', 'instant', 'c.transaction_at'),
      col('product', 'text', 'pr.name'),
      col('sub_id', 'text', 'c.sub_id'),
      col('payout_id', 'int', 'c.payout_id'),
    ],
    from,
    keys: [
      { expr: refundedAt, column: 1 },
      { expr: ref('c.id'), column: 0 },
    ],
  };
}

/** One row per commission of each payout in the range (payout columns repeated); a payout without any: one row. */
export function paymentsQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db
    .selectFrom('payouts as p')
    // Both sides scoped: a payout id never pulls in another partner's commissions.
    .leftJoin('commissions as c', (j) => j.onRef('c.payout_id', '=', 'p.id').on('c.partner_id', '=', s.partnerId))
    .leftJoin('products as pr', 'pr.id', 'c.product_id')
    .where('p.partner_id', '=', s.partnerId)
    .where('p.paid_at', '>=', s.startMs)
    .where('p.paid_at', '<', s.endMs);
  return {
    columns: [
      col('payout_id', 'int', 'p.id'),
      col('paid_at', 'instant', 'p.paid_at'),
      col('paid_date_local', 'localDate', 'p.paid_at'),
      col('payout_amount', 'money', 'p.amount_cents'),
      col('currency', 'text', 'p.currency'),
      col('method', 'text', 'p.method'),
      col('reference', 'text', 'p.reference'),
      col('commission_id', 'int', 'c.id'),
      col('commission_kind', 'text', 'c.kind'),
      col('commission_amount', 'money', 'c.amount_cents'),
      col('commission_transaction_at', 'instant', 'c.transaction_at'),
      col('product', 'text', 'pr.name'),
      col('sub_id', 'text', 'c.sub_id'),
    ],
    from,
    keys: [
      { expr: ref('p.paid_at'), column: 1 },
      { expr: ref('p.id'), column: 0 },
      { expr: sql`coalesce(c.id, 0)`, column: 7, nullAs: 0 },
    ],
  };
}

/** One row per payout with the number of commissions it paid. */
export function paymentsSummaryQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db
    .selectFrom('payouts as p')
    .where('p.partner_id', '=', s.partnerId)
    .where('p.paid_at', '>=', s.startMs)
    .where('p.paid_at', '<', s.endMs);
  return {
    columns: [
      col('payout_id', 'int', 'p.id'),
      col('paid_at', 'instant', 'p.paid_at'),
      col('paid_date_local', 'localDate', 'p.paid_at'),
      col('amount', 'money', 'p.amount_cents'),
      col('currency', 'text', 'p.currency'),
      col('method', 'text', 'p.method'),
      col('reference', 'text', 'p.reference'),
      col('commission_count', 'int', sql`(select count(*) from commissions c where c.payout_id = p.id and c.partner_id = ${s.partnerId})`),
    ],
    from,
    keys: [
      { expr: ref('p.paid_at'), column: 1 },
      { expr: ref('p.id'), column: 0 },
    ],
  };
}

/** Contacts the partner referred first or last. The other referrer is never named: only "you or not". */
export function contactsQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db
    .selectFrom('contacts as ct')
    .where((eb) => eb.or([eb('ct.first_referrer_id', '=', s.partnerId), eb('ct.last_referrer_id', '=', s.partnerId)]))
    .where('ct.added_at', '>=', s.startMs)
    .where('ct.added_at', '<', s.endMs);
  const you = (column: string) => sql`case when ${sql.ref(column)} = ${s.partnerId} then 'yes' else 'no' end`;
  return {
    columns: [
      col('contact_id', 'int', 'ct.id'),
      col('added_at', 'instant', 'ct.added_at'),
      col('added_date_local', 'localDate', 'ct.added_at'),
      col('first_name', 'text', 'ct.first_name'),
      col('last_name', 'text', 'ct.last_name'),
      col('email', s.maskEmails === false ? 'text' : 'maskedEmail', 'ct.email'),
      col('first_referrer', 'text', you('ct.first_referrer_id')),
      col('last_referrer', 'text', you('ct.last_referrer_id')),
    ],
    from,
    keys: [
      { expr: ref('ct.added_at'), column: 1 },
      { expr: ref('ct.id'), column: 0 },
    ],
  };
}

/**
 * The partner's open orders (subscriptions) started in the range, in every status: what the subscriptions page
 * lists (the active ones) and what ended, with the commission each charge brings.
 */
export function subscriptionsQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db
    .selectFrom('open_orders as o')
    .leftJoin('contacts as ct', 'ct.id', 'o.contact_id')
    .leftJoin('products as pr', 'pr.id', 'o.product_id')
    .where('o.partner_id', '=', s.partnerId)
    .where('o.started_at', '>=', s.startMs)
    .where('o.started_at', '<', s.endMs);
  return {
    columns: [
      col('subscription_id', 'int', 'o.id'),
      col('started_at', 'instant', 'o.started_at'),
      col('started_date_local', 'localDate', 'o.started_at'),
      col('status', 'text', 'o.status'),
      col('contact_id', 'int', 'o.contact_id'),
      col('first_name', 'text', 'ct.first_name'),
      col('last_name', 'text', 'ct.last_name'),
      col('product', 'text', 'pr.name'),
      col('amount', 'money', 'o.amount_cents'),
      col('commission', 'money', 'o.commission_cents'),
      col('currency', 'text', 'o.currency'),
      col('next_charge_at', 'instant', 'o.next_charge_at'),
      col('next_charge_date_local', 'localDate', 'o.next_charge_at'),
    ],
    from,
    keys: [
      { expr: ref('o.started_at'), column: 1 },
      { expr: ref('o.id'), column: 0 },
    ],
  };
}

export interface Page {
  /** Keyset values of the last row already delivered. */
  after?: readonly unknown[];
  limit?: number;
}

/**
 * The SELECT of a report: `raw` values (csv-stringify and JSON paths) or `pg-csv` cells formatted by
 * PostgreSQL (for COPY). Same FROM, WHERE, GROUP BY and ORDER BY in both.
 */
export function compileReportQuery(q: ReportQuery, mode: 'raw' | 'pg-csv', page: Page = {}): CompiledQuery {
  let query = q.from.select(q.columns.map((c, i) => (mode === 'raw' ? c.expr : pgCellExpression(c.kind, c.expr)).as(`c${i}`)));
  if (page.after) {
    const keys = sql.join(q.keys.map((k) => k.expr));
    const values = sql.join(page.after.map((v) => sql`${v}`));
    query = query.where(sql<boolean>`(${keys}) > (${values})`);
  }
  if (q.groupBy) query = query.groupBy(q.groupBy.map((g) => g));
  for (const k of q.keys) query = query.orderBy(k.expr);
  if (page.limit !== undefined) query = query.limit(page.limit);
  return query.compile();
}

/** The keyset values of a raw result row. */
export function keyOfRow(q: ReportQuery, row: readonly unknown[]): unknown[] {
  return q.keys.map((k) => row[k.column] ?? k.nullAs ?? null);
}

/** What the exports need to know about the signed-in partner: time zone (null: default) and program currency. */
/** Runs a compiled report query for one bounded page; rows as arrays in column order. */
export async function fetchReportRows(db: Kysely<Database>, query: CompiledQuery, columnCount: number): Promise<unknown[][]> {
  const result = await db.executeQuery<Record<string, unknown>>(query);
  return result.rows.map((r) => Array.from({ length: columnCount }, (_v, i) => r[`c${i}`]));
}
