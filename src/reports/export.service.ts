/**
 * Runs a report as a CSV byte stream or as one JSON page. Picks the engine: PostgreSQL row-level exports go
 * through COPY (formatting and the formula guard in SQL, LF->CRLF in Node; several times faster than a
 * cursor into csv-stringify), everything else through csv-stringify. Both produce the same bytes.
 */
import { finished, Readable, pipeline } from 'node:stream';
import type { Kysely } from 'kysely';
import { AppError, type DateRange } from '../common/index.js';
import type { CommissionStatus, Database, Store } from '../store/index.js';
import { BUCKET_MS, reportBucketsQuery, reportByPromoQuery, reportBySubIdQuery, type ReportGrouping } from './affiliate-report.repo.js';
import { csvLineWriter, jsonValueWriters, LocalDater, type ColumnKind, type ColumnSpec, type JsonValue } from './columns.js';
import { CsvRowEncoder, csvHeaderLine, firstBytes, LfToCrlf, PrefixOnce, UTF8_BOM } from './csv-stream.js';
import {
  commissionsQuery,
  compileReportQuery,
  contactsQuery,
  fetchReportRows,
  keyOfRow,
  paymentsQuery,
  paymentsSummaryQuery,
  refundsQuery,
  subscriptionsQuery,
  type ReportQuery,
  type ReportScope,
} from './report-queries.repo.js';
import { MAX_EXPORTS_PER_PARTNER, type ExportSlots } from './export-slots.js';
import { inlinePostgresParameters, openCopySource, openRowSource, type RawRow } from './sources.js';

export const REPORT_NAMES = ['commissions', 'refunds', 'payments', 'contacts', 'subscriptions', 'report'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export interface ReportOptions {
  /** commissions: only these statuses. */
  statuses?: CommissionStatus[];
  /** commissions: only this product's (the product page's download). */
  productId?: number;
  /** report: grouping (default `date`). */
  by?: ReportGrouping;
  /** payments: one row per payout instead of one per commission. */
  summary?: boolean;
  /** CSV: start with a UTF-8 byte order mark (Excel). */
  bom?: boolean;
  /** contacts: referred customers' emails masked (`PARTNERGATE_MASK_CUSTOMER_EMAILS`); masked unless false. */
  maskEmails?: boolean;
}

export interface ReportRequest {
  report: ReportName;
  partnerId: number;
  range: DateRange;
  /** The partner's program currency. */
  currency: string;
  options: ReportOptions;
}

/** `partnergate-commissions-2026-01-01_2026-03-31.csv`; grouped or summary variants say so. */
export function exportFileName(r: ReportRequest): string {
  return `partnergate-${fileLabel(r)}-${r.range.from}_${r.range.to}.csv`;
}

function fileLabel(r: ReportRequest): string {
  if (r.report === 'report') return `report-by-${r.options.by ?? 'date'}`;
  if (r.report === 'payments' && r.options.summary) return 'payments-summary';
  if (r.report === 'commissions' && r.options.productId !== undefined) return `commissions-product-${r.options.productId}`;
  return r.report;
}

function scopeOf(r: ReportRequest): ReportScope {
  return { partnerId: r.partnerId, startMs: r.range.startMs, endMs: r.range.endMs, statuses: r.options.statuses, productId: r.options.productId, currency: r.currency, maskEmails: r.options.maskEmails !== false };
}

const DAILY_COLUMNS: readonly ColumnSpec[] = [
  { header: 'date', kind: 'date' },
  { header: 'clicks', kind: 'int' },
  { header: 'leads', kind: 'int' },
  { header: 'sales', kind: 'int' },
  { header: 'earned', kind: 'money' },
  { header: 'pending', kind: 'money' },
  { header: 'currency', kind: 'text' },
];

type Plan = { kind: 'rows'; query: ReportQuery } | { kind: 'daily'; query: ReportQuery };

function planOf(db: Kysely<Database>, r: ReportRequest): Plan {
  const s = scopeOf(r);
  switch (r.report) {
    case 'commissions':
      return { kind: 'rows', query: commissionsQuery(db, s) };
    case 'refunds':
      return { kind: 'rows', query: refundsQuery(db, s) };
    case 'payments':
      return { kind: 'rows', query: r.options.summary ? paymentsSummaryQuery(db, s) : paymentsQuery(db, s) };
    case 'contacts':
      return { kind: 'rows', query: contactsQuery(db, s) };
    case 'subscriptions':
      return { kind: 'rows', query: subscriptionsQuery(db, s) };
    case 'report': {
      const by = r.options.by ?? 'date';
      if (by === 'date') return { kind: 'daily', query: reportBucketsQuery(db, s) };
      return { kind: 'rows', query: by === 'promo' ? reportByPromoQuery(db, s) : reportBySubIdQuery(db, s) };
    }
  }
}

/** The CSV columns of a report, in file order. */
export function reportColumns(db: Kysely<Database>, r: ReportRequest): readonly ColumnSpec[] {
  const plan = planOf(db, r);
  return plan.kind === 'daily' ? DAILY_COLUMNS : plan.query.columns;
}

/** Folds 15-minute buckets into local days: rows `[date, clicks, leads, sales, earned, pending, currency]`. */
async function* dailyRows(store: Store, slots: ExportSlots, query: ReportQuery, timeZone: string): AsyncGenerator<RawRow> {
  const dater = new LocalDater(timeZone);
  const days = new Map<string, { date: string; currency: string; sums: number[] }>();
  const pending: RawRow[] = [];
  const collect = { add: (row: RawRow) => void pending.push(row), take: () => (pending.length ? pending.splice(0) : undefined) };
  for await (const batch of openRowSource(store, slots, compileReportQuery(query, 'raw'), collect) as AsyncIterable<RawRow[]>) for (const row of batch) {
    const date = dater.format(Number(row[0]) * BUCKET_MS);
    const currency = String(row[6]);
    const key = `${date}\u0000${currency}`;
    let day = days.get(key);
    if (!day) days.set(key, (day = { date, currency, sums: [0, 0, 0, 0, 0] }));
    for (let i = 0; i < 5; i++) day.sums[i]! += Number(row[i + 1]);
  }
  const keys = [...days.keys()].sort();
  for (const key of keys) {
    const d = days.get(key)!;
    yield [d.date, ...d.sums, d.currency];
  }
}

export type ExportEngine = 'copy' | 'stringify';

export interface CsvExport {
  body: Readable;
  engine: ExportEngine;
}

function partnerAtExportCap(): AppError {
  return new AppError('request.too_many_exports', `You already have ${MAX_EXPORTS_PER_PARTNER} downloads running. Wait for one to finish, then try again.`, { headers: { 'Retry-After': '30' } });
}

function tooManyExports(): AppError {
  return new AppError('store.unavailable', 'Too many exports are running right now. Please try again in a minute.', { headers: { 'Retry-After': '30' } });
}

function csvPrefix(columns: readonly ColumnSpec[], bom: boolean | undefined): Buffer {
  return Buffer.concat([bom ? UTF8_BOM : Buffer.alloc(0), Buffer.from(csvHeaderLine(columns.map((c) => c.header)))]);
}

function copyBody(store: Store, slots: ExportSlots, query: ReportQuery, r: ReportRequest): Readable {
  const source = openCopySource(store, slots, compileReportQuery(query, 'pg-csv'), r.range.timeZone);
  return pipeline(source, new LfToCrlf(), new PrefixOnce(csvPrefix(query.columns, r.options.bom)), () => {});
}

/** CSV lines written in JavaScript, one batch of rows (a few hundred) at a time: the header and BOM come from PrefixOnce. */
function stringifyBody(store: Store, slots: ExportSlots, plan: Plan, r: ReportRequest): Readable {
  const columns = plan.kind === 'daily' ? DAILY_COLUMNS : plan.query.columns;
  const cells = csvLineWriter(columns, r.range.timeZone);
  const source =
    plan.kind === 'daily'
      ? Readable.from((async function* () {
          const encoder = new CsvRowEncoder(cells); // at most one row per day and currency: one chunk
          for await (const row of dailyRows(store, slots, plan.query, r.range.timeZone)) encoder.add(row);
          const chunk = encoder.take();
          if (chunk) yield chunk;
        })())
      : openRowSource(store, slots, compileReportQuery(plan.query, 'raw'), new CsvRowEncoder(cells));
  return pipeline(source, new PrefixOnce(csvPrefix(columns, r.options.bom)), () => {});
}

/**
 * Opens the CSV of a report and waits for its first bytes: a failure before that rejects (the caller can
 * still answer with an error status); a failure later makes `body` emit 'error' (the caller must then abort
 * the response so the file cannot look complete). Destroying `body` stops the query and frees the connection.
 * @param opts.engine `stringify` forces csv-stringify on PostgreSQL too (tests compare the two engines).
 * @param slots the gateway's export slots (`GatewayDeps.exportSlots`)
 * @param opts.queueMs how long to wait for a free export slot before refusing (503); `signal` ends the wait early.
 */
export async function openCsvExport(
  store: Store,
  slots: ExportSlots,
  r: ReportRequest,
  opts: { engine?: 'auto' | ExportEngine; queueMs?: number; signal?: AbortSignal } = {},
): Promise<CsvExport> {
  const releasePartner = slots.claimPartner(r.partnerId);
  if (!releasePartner) throw partnerAtExportCap();
  try {
    const opened = await openCsvExportInSlot(store, slots, r, opts);
    // Ended, failed or destroyed (the client went away): the partner's export is over either way.
    finished(opened.body, releasePartner);
    return opened;
  } catch (err) {
    releasePartner();
    throw err;
  }
}

async function openCsvExportInSlot(store: Store, slots: ExportSlots, r: ReportRequest, opts: { engine?: 'auto' | ExportEngine; queueMs?: number; signal?: AbortSignal }): Promise<CsvExport> {
  if (!(await slots.waitForSlot(opts.queueMs ?? 0, opts.signal))) throw tooManyExports();
  const plan = planOf(store.db, r);
  const useCopy = store.kind === 'postgres' && plan.kind === 'rows' && !plan.query.groupBy && opts.engine !== 'stringify';
  if (useCopy) {
    const body = copyBody(store, slots, plan.query, r);
    try {
      await firstBytes(body);
      return { body, engine: 'copy' };
    } catch (err) {
      // A zone the JavaScript runtime knows but this PostgreSQL does not (22023): csv-stringify computes dates itself.
      if ((err as { code?: string }).code !== '22023') throw err;
    }
  }
  const body = stringifyBody(store, slots, plan, r);
  await firstBytes(body);
  return { body, engine: 'stringify' };
}

export interface ReportPage {
  columns: string[];
  rows: Array<Record<string, JsonValue>>;
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 1000;

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Largest value of a PostgreSQL `integer` (ids); a bigger one in a cursor would make the query fail, not page. */
const INT4_MAX = 2_147_483_647;

/**
 * Reads a cursor back, checking each value against the kind of its key column, so a crafted cursor is a 400
 * rather than a database error (text where a number is compared, an id beyond PostgreSQL's integer range).
 */
function decodeCursor(cursor: string, kinds: readonly (ColumnKind | 'text')[]): unknown[] {
  const bad = () => new AppError('request.invalid_field', 'cursor: not a cursor given by this report', { field: 'cursor' });
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(values) || values.length !== kinds.length) throw bad();
  values.forEach((v, i) => {
    const kind = kinds[i];
    if (kind === 'int') {
      if (!(typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= INT4_MAX)) throw bad();
    } else if (kind === 'instant' || kind === 'money') {
      if (!(typeof v === 'number' && Number.isSafeInteger(v))) throw bad();
    } else if (typeof v !== 'string') {
      throw bad();
    }
  });
  return values;
}

/** One page of a report as JSON rows (keyset paging: stable while rows are added elsewhere). */
export async function reportPage(store: Store, slots: ExportSlots, r: ReportRequest, page: { cursor?: string; limit: number }): Promise<ReportPage> {
  const plan = planOf(store.db, r);
  const columns = plan.kind === 'daily' ? DAILY_COLUMNS : plan.query.columns;
  const writers = jsonValueWriters(columns, r.range.timeZone);
  const toJson = (row: RawRow) => Object.fromEntries(columns.map((c, i) => [c.header, writers[i]!(row[i])]));
  let rows: RawRow[];
  let keyOf: (row: RawRow) => unknown[];
  if (plan.kind === 'daily') {
    const after = page.cursor ? decodeCursor(page.cursor, ['text', 'text']) : undefined;
    keyOf = (row) => [row[0], row[6]];
    rows = [];
    for await (const row of dailyRows(store, slots, plan.query, r.range.timeZone)) {
      if (after && `${row[0]}\u0000${row[6]}` <= `${after[0]}\u0000${after[1]}`) continue;
      rows.push(row);
      if (rows.length > page.limit) break;
    }
  } else {
    const after = page.cursor ? decodeCursor(page.cursor, plan.query.keys.map((k) => plan.query.columns[k.column]!.kind)) : undefined;
    keyOf = (row) => keyOfRow(plan.query, row);
    rows = await fetchReportRows(store.db, compileReportQuery(plan.query, 'raw', { after, limit: page.limit + 1 }), columns.length);
  }
  const more = rows.length > page.limit;
  if (more) rows = rows.slice(0, page.limit);
  return {
    columns: columns.map((c) => c.header),
    rows: rows.map(toJson),
    nextCursor: more ? encodeCursor(keyOf(rows[rows.length - 1]!)) : null,
  };
}

/** The SELECT of a row-level report with its stored values (what the SQLite export reads), for benchmarks. */
export function reportRawQuery(db: Kysely<Database>, r: ReportRequest): { sql: string; parameters: readonly unknown[]; headers: string[] } {
  const plan = planOf(db, r);
  const q = compileReportQuery(plan.query, 'raw');
  return { sql: q.sql, parameters: q.parameters, headers: plan.query.columns.map((c) => c.header) };
}

/**
 * The SQL a PostgreSQL export runs, for benchmarks and diagnostics: `formatted` is the SELECT inside the COPY
 * (needs `DateStyle = ISO, YMD` and `TimeZone` = the partner's zone), `raw` the same rows and order with the
 * stored values (what `COPY (SELECT same columns)` would give without any formatting).
 */
export function reportSqlForCopy(db: Kysely<Database>, r: ReportRequest): { raw: string; formatted: string } {
  const plan = planOf(db, r);
  return { raw: inlinePostgresParameters(compileReportQuery(plan.query, 'raw')), formatted: inlinePostgresParameters(compileReportQuery(plan.query, 'pg-csv')) };
}
