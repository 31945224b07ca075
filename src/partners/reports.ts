/**
 * Reports by date range: clicks, leads, sales, conversion and earnings per local day / week / month, per promo
 * tool or per SubID, read from the affiliate report's queries (src/reports). The store groups rows into fixed UTC slots (the largest of a day, an hour, 15 minutes or a
 * minute that divides every bucket boundary), and the slots are folded into the partner's local buckets here,
 * so the SQL is the same on SQLite and PostgreSQL and a bucket never splits a slot (zone offsets are
 * multiples of 15 minutes since 1970).
 */
import { DateTime } from 'luxon';
import { AppError, type DateRange } from '../common/index.js';
import type { Db } from './repos/db.js';
import { affiliateReportRows, type AffiliateReportRow } from '../reports/index.js';
import { countLeads } from './repos/activity.repo.js';
import { conversionOf, type Conversion } from './conversion.js';

export type ReportGroup = 'day' | 'week' | 'month';
export type ReportBy = 'date' | 'promo' | 'subid';

export interface ReportRow {
  label: string;
  /** For date rows: the bucket's first local date (YYYY-MM-DD); for promo rows the tool id; for SubIDs the SubID. */
  key: string;
  clicks: number;
  /** Leads cannot be attributed to a promo tool or SubID: undefined on those rows. */
  leads?: number;
  sales: number;
  /** sales / unique clicks (see conversion.ts), undefined without clicks. */
  conversion?: Conversion;
  earnedCents: number;
  pendingCents: number;
}

export interface Report {
  range: DateRange;
  group: ReportGroup;
  by: ReportBy;
  subId?: string;
  rows: ReportRow[];
  totals: ReportRow;
}

/** Most buckets one report shows; a longer range needs a coarser grouping. */
export const MAX_BUCKETS = 400;

export interface Bucket {
  startMs: number;
  endMs: number;
  label: string;
  key: string;
}

/** Local calendar buckets covering the range, the first and last clipped to it. */
export function buildBuckets(range: DateRange, group: ReportGroup): Bucket[] {
  const zone = range.timeZone;
  const end = DateTime.fromMillis(range.endMs, { zone });
  let cursor = DateTime.fromMillis(range.startMs, { zone });
  const out: Bucket[] = [];
  while (cursor < end) {
    const unitStart = group === 'day' ? cursor.startOf('day') : group === 'week' ? cursor.startOf('week') : cursor.startOf('month');
    const next = unitStart.plus(group === 'day' ? { days: 1 } : group === 'week' ? { weeks: 1 } : { months: 1 });
    const stop = next < end ? next : end;
    const label = group === 'day' ? cursor.toISODate()! : group === 'week' ? `Week of ${cursor.toISODate()}` : cursor.toFormat('LLL yyyy');
    out.push({ startMs: cursor.toMillis(), endMs: stop.toMillis(), label, key: cursor.toISODate()! });
    cursor = stop;
    if (out.length > MAX_BUCKETS) break;
  }
  return out;
}

const slotSizes = [86_400_000, 3_600_000, 900_000, 60_000];

/** The largest slot size that divides every boundary, so that each slot falls into exactly one bucket. */
export function slotSizeFor(buckets: Bucket[]): number {
  const bounds = buckets.flatMap((b) => [b.startMs, b.endMs]);
  return slotSizes.find((s) => bounds.every((b) => b % s === 0)) ?? 1000;
}

function bucketIndex(buckets: Bucket[], ms: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = buckets[mid]!;
    if (ms < b.startMs) hi = mid - 1;
    else if (ms >= b.endMs) lo = mid + 1;
    else return mid;
  }
  return -1;
}


function emptyRow(label: string, key: string, withLeads: boolean): ReportRow {
  return { label, key, clicks: 0, ...(withLeads ? { leads: 0 } : {}), sales: 0, earnedCents: 0, pendingCents: 0 };
}

function finish(rows: ReportRow[], withLeads: boolean, leadsTotal?: number): ReportRow {
  const t = emptyRow('Total', 'total', withLeads);
  for (const r of rows) {
    t.clicks += r.clicks;
    t.sales += r.sales;
    t.earnedCents += r.earnedCents;
    t.pendingCents += r.pendingCents;
    if (withLeads) t.leads = (t.leads ?? 0) + (r.leads ?? 0);
    r.conversion = conversionOf(r.sales, r.clicks);
  }
  if (leadsTotal !== undefined) t.leads = leadsTotal;
  t.conversion = conversionOf(t.sales, t.clicks);
  return t;
}

/**
 * The reports page's report: the rows of the affiliate report (src/reports, the same queries `report.csv`
 * streams), folded into the partner's local buckets by date, or one row per promo tool or SubID, all currencies
 * summed (the page shows one program's figures).
 */
export async function buildReport(db: Db, q: { partnerId: number; range: DateRange; group: ReportGroup; by: ReportBy; subId?: string }): Promise<Report> {
  // Leads have no SubID: a report for one SubID shows none.
  const withLeads = q.subId === undefined;
  const scope = { partnerId: q.partnerId, startMs: q.range.startMs, endMs: q.range.endMs, currency: '', subId: q.subId };
  if (q.by === 'date') {
    const buckets = buildBuckets(q.range, q.group);
    if (buckets.length > MAX_BUCKETS) {
      throw new AppError('request.invalid_field', `group: a report by ${q.group} shows at most ${MAX_BUCKETS} rows; choose a longer grouping or a shorter range`, { field: 'group' });
    }
    const slotMs = slotSizeFor(buckets);
    const rows = buckets.map((b) => emptyRow(b.label, b.key, withLeads));
    for (const f of await affiliateReportRows(db, scope, 'date', slotMs)) {
      const i = bucketIndex(buckets, Number(f.k) * slotMs);
      if (i >= 0) addFacts(rows[i]!, f, withLeads);
    }
    return { range: q.range, group: q.group, by: q.by, subId: q.subId, rows, totals: finish(rows, withLeads) };
  }

  const [facts, leadsTotal] = await Promise.all([
    affiliateReportRows(db, scope, q.by),
    withLeads ? countLeads(db, q.partnerId, q.range) : Promise.resolve(undefined),
  ]);
  const byKey = new Map<string, ReportRow>();
  for (const f of facts) {
    // Promo tool 0 and the empty SubID: visits and sales without one.
    const id = f.k === 0 || f.k === '' ? '' : String(f.k);
    let r = byKey.get(id);
    if (!r) byKey.set(id, (r = emptyRow(id === '' ? (q.by === 'promo' ? '(no promo tool)' : '(no SubID)') : q.by === 'promo' ? (f.name ?? `Promo tool ${id}`) : id, id, false)));
    addFacts(r, f, false);
  }
  const rows = [...byKey.values()].sort((a, b) => b.earnedCents - a.earnedCents || b.sales - a.sales || b.clicks - a.clicks || a.label.localeCompare(b.label));
  const totals = finish(rows, false);
  if (leadsTotal !== undefined) totals.leads = leadsTotal;
  return { range: q.range, group: q.group, by: q.by, subId: q.subId, rows, totals };
}

function addFacts(r: ReportRow, f: AffiliateReportRow, withLeads: boolean): void {
  r.clicks += f.clicks;
  if (withLeads) r.leads = (r.leads ?? 0) + f.leads;
  r.sales += f.sales;
  r.earnedCents += f.earnedCents;
  r.pendingCents += f.pendingCents;
}
