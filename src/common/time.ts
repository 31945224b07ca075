/**
 * Times are stored as UTC epoch milliseconds and shown in the partner's time zone. Date ranges typed by a
 * partner are local calendar dates; they become UTC instants here, with luxon doing the zone arithmetic.
 */
import { DateTime } from 'luxon';
import { AppError } from './errors.js';

export interface DateRange {
  /** Local calendar dates as typed, `YYYY-MM-DD`. */
  from: string;
  to: string;
  /** Inclusive start and exclusive end, UTC epoch ms. */
  startMs: number;
  endMs: number;
  timeZone: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseLocalDate(field: string, text: string, zone: string): DateTime {
  if (!DATE.test(text)) throw new AppError('request.bad_date_range', `${field}: must be a date as YYYY-MM-DD`, { field });
  const d = DateTime.fromISO(text, { zone });
  if (!d.isValid || d.year < 1970 || d.year > 2100) {
    throw new AppError('request.bad_date_range', `${field}: ${text} is not a real date between 1970 and 2100`, { field });
  }
  return d.startOf('day');
}

/**
 * Builds a validated range from query text. Missing ends default to `defaultDays` back from today.
 * @throws AppError request.bad_date_range naming the field
 */
export function parseDateRange(
  input: { from?: unknown; to?: unknown },
  timeZone: string,
  opts: { maxDays: number; defaultDays?: number; now?: number } = { maxDays: 3660 },
): DateRange {
  const today = DateTime.fromMillis(opts.now ?? Date.now(), { zone: timeZone }).startOf('day');
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const toText = str(input.to);
  const fromText = str(input.from);
  const to = toText ? parseLocalDate('to', toText, timeZone) : today;
  const from = fromText ? parseLocalDate('from', fromText, timeZone) : to.minus({ days: (opts.defaultDays ?? 30) - 1 });
  if (from > to) throw new AppError('request.bad_date_range', `from: ${from.toISODate()} is after to: ${to.toISODate()}`, { field: 'from' });
  const days = Math.round(to.diff(from, 'days').days) + 1;
  if (days > opts.maxDays) {
    throw new AppError('request.bad_date_range', `to: the range is ${days} days; the longest allowed is ${opts.maxDays}`, { field: 'to' });
  }
  return {
    from: from.toISODate()!,
    to: to.toISODate()!,
    startMs: from.toMillis(),
    endMs: to.plus({ days: 1 }).toMillis(),
    timeZone,
  };
}

/** ISO 8601 in UTC with seconds, e.g. `2026-03-01T14:05:00Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A local date and time for display, e.g. `Mar 1, 2026, 3:05 PM`. */
export function formatLocal(ms: number, timeZone: string, withTime = false): string {
  const d = DateTime.fromMillis(ms, { zone: timeZone });
  return withTime ? d.toLocaleString(DateTime.DATETIME_MED) : d.toLocaleString(DateTime.DATE_MED);
}

/** `YYYY-MM-DD` of an instant in a zone. */
export function localDate(ms: number, timeZone: string): string {
  return DateTime.fromMillis(ms, { zone: timeZone }).toISODate()!;
}
