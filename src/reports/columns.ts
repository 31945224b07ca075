/**
 * Column kinds of the exports and how each kind is written: as a CSV field (JavaScript, csvLineWriter), as
 * a JSON value, and as a PostgreSQL expression (for COPY exports, which must produce the very same bytes as
 * JavaScript path: test/reports/copy-equivalence.test.ts proves it).
 *
 * - `int`       ids and counts: decimal digits.
 * - `money`     integer cents -> plain decimal `-12.50` (a number to a spreadsheet; never neutralised).
 * - `instant`   UTC epoch ms -> ISO 8601 UTC `2026-03-01T14:05:00Z` (seconds, truncated).
 * - `localDate` UTC epoch ms -> `YYYY-MM-DD` in the partner's time zone.
 * - `date`      a `YYYY-MM-DD` computed by Partnergate (report days).
 * - `text`      anything a stranger may have typed: formula-neutralised in CSV, raw in JSON.
 * - `maskedEmail` a referred customer's email shown masked (`j***@example.com`), as text.
 * Empty text and NULL are both written as an empty cell.
 */
import { sql, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import { centsToDecimal, maskEmail } from '../common/index.js';
import { csvField } from './csv-stream.js';
import { neutraliseFormula, neutraliseFormulaSql } from './formula-guard.js';

export type ColumnKind = 'int' | 'money' | 'instant' | 'localDate' | 'date' | 'text' | 'maskedEmail';

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

/**
 * `isoUtc` for many instants: the `YYYY-MM-DDT` of the last UTC day is kept and the time of day is written from
 * integer arithmetic. `Date#toISOString` plus a regex per instant was the export's largest JavaScript cost
 * (three instants a row). Same text as `isoUtc`: the milliseconds are truncated, before 1970 too.
 */
export class UtcInstants {
  private dayStart = 0;
  private dayEnd = -1;
  private prefix = '';

  format(ms: number): string {
    const t = Math.trunc(ms);
    if (Math.abs(t) > MAX_DATE_MS) throw new RangeError('Invalid time value');
    if (!(t >= this.dayStart && t < this.dayEnd)) {
      this.dayStart = Math.floor(t / DAY_MS) * DAY_MS;
      this.dayEnd = this.dayStart + DAY_MS;
      const iso = new Date(this.dayStart).toISOString();
      this.prefix = iso.slice(0, iso.indexOf('T') + 1);
    }
    const s = Math.floor((t - this.dayStart) / 1000);
    const m = Math.floor(s / 60);
    return `${this.prefix}${TWO_DIGITS[Math.floor(m / 60)]}:${TWO_DIGITS[m % 60]}:${TWO_DIGITS[s % 60]}Z`;
  }
}

const DAY_MS = 86_400_000;
/** The largest instant a Date holds (ECMAScript TimeClip). */
const MAX_DATE_MS = 8.64e15;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

type RawValue = unknown;
const isBlank = (v: RawValue) => v === null || v === undefined || v === '';

/** A stored number, or a failed export: a corrupt cell must not become `NaN.NaN` in somebody's books. */
function stored(v: RawValue, header: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`export: the store holds a non-numeric ${header} (${typeof v})`);
  return n;
}

/**
 * A function per column turning a raw store value into its CSV field, already quoted where RFC 4180 needs it
 * (`''` = empty cell). Only text can hold a comma, quote, CR or LF: numbers, amounts, instants and dates are
 * written by Partnergate and never need quoting.
 */
export function csvFieldWriters(columns: readonly ColumnSpec[], timeZone: string): Array<(v: RawValue) => string> {
  const format = storedValueFormats(timeZone);
  return columns.map((c) => {
    switch (c.kind) {
      case 'date':
        return (v) => (isBlank(v) ? '' : csvField(String(v)));
      case 'text':
        return (v) => (isBlank(v) ? '' : csvField(neutraliseFormula(String(v))));
      case 'maskedEmail':
        return (v) => (isBlank(v) ? '' : csvField(neutraliseFormula(maskEmail(String(v)))));
      default: {
        const f = format(c.kind, c.header);
        return (v) => (isBlank(v) ? '' : String(f(v)));
      }
    }
  });
}

type StoredKind = Exclude<ColumnKind, 'date' | 'text' | 'maskedEmail'>;

/**
 * The one way a stored number is written, in CSV and JSON alike: ints as they are, cents as a decimal, instants
 * in UTC, local dates in the report's zone. Each format is made once per column, not per row.
 */
function storedValueFormats(timeZone: string): (kind: StoredKind, header: string) => (v: RawValue) => string | number {
  const dater = new LocalDater(timeZone);
  const instants = new UtcInstants();
  return (kind, h) => {
    switch (kind) {
      case 'int':
        return (v) => stored(v, h);
      case 'money':
        return (v) => centsToDecimal(stored(v, h));
      case 'instant':
        return (v) => instants.format(stored(v, h));
      case 'localDate':
        return (v) => dater.format(stored(v, h));
    }
  };
}

/**
 * The CSV line (CRLF-terminated) of a raw row, byte for byte what csv-stringify writes with the options of
 * `csvStringifier` (test/reports/csv-line.test.ts compares the two). Writing lines directly instead of handing
 * cell arrays to csv-stringify halves the export's JavaScript time: no per-record option handling, casting or
 * intermediate arrays.
 */
export function csvLineWriter(columns: readonly ColumnSpec[], timeZone: string): (row: readonly RawValue[]) => string {
  const fields = csvFieldWriters(columns, timeZone);
  const n = fields.length;
  return (row) => {
    let line = fields[0]!(row[0]);
    for (let i = 1; i < n; i++) line += ',' + fields[i]!(row[i]);
    return line + '\r\n';
  };
}

export type JsonValue = string | number | null;

/** A function per column turning a raw store value into a JSON value. Text is not neutralised: JSON is data. */
export function jsonValueWriters(columns: readonly ColumnSpec[], timeZone: string): Array<(v: RawValue) => JsonValue> {
  const format = storedValueFormats(timeZone);
  return columns.map((c) => {
    if (c.kind === 'date' || c.kind === 'text') return (v) => (v === null || v === undefined ? null : String(v));
    if (c.kind === 'maskedEmail') return (v) => (isBlank(v) ? null : maskEmail(String(v)));
    const f = format(c.kind, c.header);
    return (v) => (isBlank(v) ? null : f(v));
  });
}

/**
 * The PostgreSQL expression writing a column the way {@link csvFieldWriters} does. Requires, on the session,
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
    case 'maskedEmail':
      // = maskEmail: first character, ***, then from the last @ (none before the 2nd character: ***).
      return neutraliseFormulaSql(sql`case when ${raw} is null or ${raw} = '' then null
        when length(${raw}) - strpos(reverse(${raw}), '@') + 1 < 2 or strpos(${raw}, '@') = 0 then '***'
        else left(${raw}, 1) || '***' || right(${raw}, strpos(reverse(${raw}), '@')) end`);
  }
}
