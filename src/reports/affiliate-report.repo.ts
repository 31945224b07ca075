/**
 * The affiliate report's queries: clicks (visits), leads (contacts whose first referrer is the partner, on
 * `added_at`), sales (`sale` commissions not declined), earned (sale and clawback commissions approved or paid)
 * and pending commission, all on the transaction / visit / added time within the range, grouped per promo
 * tool, per SubID, or per 15-minute bucket (folded into the partner's local days by the service: SQLite knows
 * no time zones, and every zone offset since 1972 is a multiple of 15 minutes).
 * Amounts are grouped by currency too; clicks and leads carry the partner's program currency.
 *
 * The one definition of the affiliate report: `report.csv` streams these queries, and the partner center's
 * reports page reads {@link affiliateReportRows}, which runs the same queries.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Db } from '../store/db.js';
import { commissionCases, type Database } from '../store/index.js';
import { compileReportQuery, fetchReportRows, type QueryColumn, type ReportQuery, type ReportScope } from './report-queries.repo.js';

export type ReportGrouping = 'date' | 'promo' | 'subid';

export const BUCKET_MS = 15 * 60 * 1000;

const { sales: SALES, earned: EARNED, pending: PENDING } = commissionCases('c');

/**
 * Facts as rows `(k, currency, clicks, leads, sales, earned, pending)`, one per visit / lead / commission, where
 * `k` is the grouping key of each source.
 */
function facts(s: ReportScope, keys: { visit: RawBuilder<unknown>; commission: RawBuilder<unknown>; lead?: RawBuilder<unknown> }) {
  const bySubId = (alias: string) => (s.subId === undefined ? sql`` : sql` and ${sql.ref(`${alias}.sub_id`)} = ${s.subId}`);
  const currency = sql`cast(${s.currency} as text)`;
  const leads = keys.lead && s.subId === undefined
    ? sql`union all
      select ${keys.lead} as k, ${currency} as currency, 0 as clicks, 1 as leads, 0 as sales, 0 as earned, 0 as pending
      from contacts ct where ct.first_referrer_id = ${s.partnerId} and ct.added_at >= ${s.startMs} and ct.added_at < ${s.endMs}`
    : sql``;
  return sql`(
      select ${keys.visit} as k, ${currency} as currency, 1 as clicks, 0 as leads, 0 as sales, 0 as earned, 0 as pending
      from visits v where v.partner_id = ${s.partnerId} and v.visited_at >= ${s.startMs} and v.visited_at < ${s.endMs}${bySubId('v')}
    union all
      select ${keys.commission} as k, c.currency as currency, 0 as clicks, 0 as leads, ${SALES} as sales, ${EARNED} as earned, ${PENDING} as pending
      from commissions c where c.partner_id = ${s.partnerId} and c.transaction_at >= ${s.startMs} and c.transaction_at < ${s.endMs}${bySubId('c')}
    ${leads}
  )`;
}

const sum = (column: string): RawBuilder<unknown> => sql`sum(${sql.ref(column)})`;
const c = (header: string, kind: QueryColumn['kind'], expr: RawBuilder<unknown>): QueryColumn => ({ header, kind, expr });

/**
 * The facts summed per key and currency: the key's own columns first (the first is `u.k`), then clicks, leads
 * (by date only), sales, earned, pending and the currency; paged by key and currency.
 */
function perKeyAndCurrency(from: ReportQuery['from'], keyColumns: QueryColumn[], withLeads: boolean): ReportQuery {
  const columns = [
    ...keyColumns,
    c('clicks', 'int', sum('u.clicks')),
    ...(withLeads ? [c('leads', 'int', sum('u.leads'))] : []),
    c('sales', 'int', sum('u.sales')),
    c('earned', 'money', sum('u.earned')),
    c('pending', 'money', sum('u.pending')),
    c('currency', 'text', sql.ref('u.currency')),
  ];
  return {
    columns,
    from,
    keys: [
      { expr: sql.ref('u.k'), column: 0 },
      { expr: sql.ref('u.currency'), column: columns.length - 1 },
    ],
    groupBy: [sql.ref('u.k'), sql.ref('u.currency')],
  };
}

/** Per promo tool (`promo_tool_id` 0: visits and sales without one). */
export function reportByPromoQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db
    .selectFrom(facts(s, { visit: sql`coalesce(v.promo_tool_id, 0)`, commission: sql`coalesce(c.promo_tool_id, 0)` }).as('u'))
    .leftJoin('promo_tools as pt', (j) => j.on(sql<boolean>`pt.id = u.k`));
  return perKeyAndCurrency(from, [c('promo_tool_id', 'int', sql.ref('u.k')), c('promo_tool', 'text', sql`max(pt.name)`)], false);
}

/** Per SubID (the empty SubID: visits and sales without one). */
export function reportBySubIdQuery(db: Kysely<Database>, s: ReportScope): ReportQuery {
  const from = db.selectFrom(facts(s, { visit: sql`coalesce(v.sub_id, '')`, commission: sql`coalesce(c.sub_id, '')` }).as('u'));
  return perKeyAndCurrency(from, [c('sub_id', 'text', sql.ref('u.k'))], false);
}

/**
 * Per time slot (`k` = epoch ms / slotMs; 15 minutes unless a coarser slot divides every local bucket
 * boundary); the caller folds slots into the partner's local days, weeks or months.
 */
export function reportBucketsQuery(db: Kysely<Database>, s: ReportScope, slotMs = BUCKET_MS): ReportQuery {
  const bucket = (column: string) => sql`(${sql.ref(column)} / ${sql.lit(Math.trunc(slotMs))})`;
  const from = db.selectFrom(facts(s, { visit: bucket('v.visited_at'), commission: bucket('c.transaction_at'), lead: bucket('ct.added_at') }).as('u'));
  return perKeyAndCurrency(from, [c('bucket', 'int', sql.ref('u.k'))], true);
}

/** One grouped row of the affiliate report: `k` is the slot, the promo tool id (0: none) or the SubID ('': none). */
export interface AffiliateReportRow {
  k: number | string;
  /** The promo tool's name (by promo only). */
  name?: string;
  currency: string;
  clicks: number;
  leads: number;
  sales: number;
  earnedCents: number;
  pendingCents: number;
}

/**
 * The affiliate report's rows, from the same queries `report.csv` streams: per slot of `slotMs` (by date), per
 * promo tool or per SubID, and per currency.
 */
export async function affiliateReportRows(db: Db, s: ReportScope, by: ReportGrouping, slotMs = BUCKET_MS): Promise<AffiliateReportRow[]> {
  const kdb = db as Kysely<Database>;
  const query = by === 'date' ? reportBucketsQuery(kdb, s, slotMs) : by === 'promo' ? reportByPromoQuery(kdb, s) : reportBySubIdQuery(kdb, s);
  const at = new Map(query.columns.map((col, i) => [col.header, i]));
  const rows = await fetchReportRows(kdb, compileReportQuery(query, 'raw'), query.columns.length);
  const n = (row: unknown[], header: string) => (at.has(header) ? Number(row[at.get(header)!] ?? 0) : 0);
  return rows.map((row) => ({
    k: by === 'subid' ? String(row[0] ?? '') : Number(row[0]),
    ...(by === 'promo' ? { name: row[1] === null || row[1] === undefined ? undefined : String(row[1]) } : {}),
    currency: String(row[at.get('currency')!]),
    clicks: n(row, 'clicks'),
    leads: n(row, 'leads'),
    sales: n(row, 'sales'),
    earnedCents: n(row, 'earned'),
    pendingCents: n(row, 'pending'),
  }));
}
