/**
 * Column kinds of the exports and how each kind is written: as a CSV cell (JavaScript, for csv-stringify), as
 * a JSON value, and as a PostgreSQL expression (for COPY exports, which must produce the very same bytes as
 * the csv-stringify path: test/reports/copy-equivalence.test.ts proves it).
 *
 * - `int`       ids and counts: decimal digits.
 * - `money`     integer cents -> plain decimal `-12.50` (a number to a spreadsheet; never neutralised).
 * - `instant`   UTC epoch ms -> ISO 8601 UTC `2026-03-01T14:05:00Z` (seconds, truncated).
 * - `localDate` UTC epoch ms -> `YYYY-MM-DD` in the partner's time zone.
 * - `date`      a `YYYY-MM-DD` computed by Partnergate (report days).
 * - `text`      anything a stranger may have typed: formula-neutralised in CSV, raw in JSON.
 * Empty text and NULL are both written as an empty cell.
 */
import { sql, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import { centsToDecimal, isoUtc } from '../common/index.js';
import { neutraliseFormula, neutraliseFormulaSql } from './formula-guard.js';

export type ColumnKind = 'int' | 'money' | 'instant' | 'localDate' | 'date' | 'text';

export interface ColumnSpec {
  /** Header of the CSV column and key of the JSON field. */
  header: string;
  kind: ColumnKind;
}

/**
 * The local calendar date of instants in one zone. Rows come mostly in time order, so the bounds of the last
 * local day are kept and luxon (which knows DST) is asked again only when an instant leaves that day.
 */
export class LocalDater {
  private dayStart = 0;
  private dayEnd = -1;
  private day = '';
  constructor(readonly timeZone: string) {}

  format(ms: number): string {
    if (ms >= this.dayStart && ms < this.dayEnd) return this.day;
    const start = DateTime.fromMillis(ms, { zone: this.timeZone }).startOf('day');
    this.dayStart = start.toMillis();
    this.dayEnd = start.plus({ days: 1 }).toMillis();
    this.day = start.toISODate()!;
    return this.day;
  }
}

type RawValue = unknown;
const isBlank = (v: RawValue) => v === null || v === undefined || v === '';

/** A stored number, or a failed export: a corrupt cell must not become `NaN.NaN` in somebody's books. */
function stored(v: RawValue, header: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`export: the store holds a non-numeric ${header} (${typeof v})`);
  return n;
}

/** A function per column turning a raw store value into a CSV cell (`null` = empty cell). */
export function csvCellWriters(columns: readonly ColumnSpec[], timeZone: string): Array<(v: RawValue) => string | null> {
  const dater = new LocalDater(timeZone);
  return columns.map((c) => {
    const h = c.header;
    switch (c.kind) {
      case 'int':
        return (v) => (isBlank(v) ? null : String(stored(v, h)));
      case 'money':
        return (v) => (isBlank(v) ? null : centsToDecimal(stored(v, h)));
      case 'instant':
        return (v) => (isBlank(v) ? null : isoUtc(stored(v, h)));
      case 'localDate':
        return (v) => (isBlank(v) ? null : dater.format(stored(v, h)));
      case 'date':
        return (v) => (isBlank(v) ? null : String(v));
      case 'text':
        return (v) => (isBlank(v) ? null : neutraliseFormula(String(v)));
    }
  });
}

export type JsonValue = string | number | null;

/** A function per column turning a raw store value into a JSON value. Text is not neutralised: JSON is data. */
export function jsonValueWriters(columns: readonly ColumnSpec[], timeZone: string): Array<(v: RawValue) => JsonValue> {
  const dater = new LocalDater(timeZone);
  return columns.map((c) => {
    const h = c.header;
    switch (c.kind) {
      case 'int':
        return (v) => (isBlank(v) ? null : stored(v, h));
      case 'money':
        return (v) => (isBlank(v) ? null : centsToDecimal(stored(v, h)));
      case 'instant':
        return (v) => (isBlank(v) ? null : isoUtc(stored(v, h)));
      case 'localDate':
        return (v) => (isBlank(v) ? null : dater.format(stored(v, h)));
      case 'date':
      case 'text':
        return (v) => (v === null || v === undefined ? null : String(v));
    }
  });
}

/**
 * The PostgreSQL expression writing a column the way {@link csvCellWriters} does. Requires, on the session,
 * `DateStyle = 'ISO, YMD'` (timestamp and date text) and `TimeZone` = the partner's zone (local dates):
 * the COPY export sets both with SET LOCAL.
 */
export function pgCellExpression(kind: ColumnKind, raw: RawBuilder<unknown>): RawBuilder<unknown> {
  switch (kind) {
    case 'int':
    case 'date':
      return raw;
    case 'money':
      // bigint * numeric(…,2) is a numeric of scale 2: 1234 -> 12.34, -5 -> -0.05, 0 -> 0.00 (= centsToDecimal).
      return sql`(${raw} * 0.01)`;
    case 'instant':
      // Day number -> date and second of the day -> time, concatenated with T and Z: integer division truncates
      // to the second like isoUtc (for instants after 1970). About twice as fast as replace() over a timestamp's
      // text (PostgreSQL 15, 1M rows), and it is the biggest cost of the formatted SELECT.
      return sql`(date '1970-01-01' + (${raw} / 86400000)::int) || 'T' || (time '00:00' + (${raw} / 1000 % 86400) * interval '1 second') || 'Z'`;
    case 'localDate':
      return sql`(to_timestamp(${raw} / 1000))::date::text`;
    case 'text':
      return neutraliseFormulaSql(raw);
  }
}
