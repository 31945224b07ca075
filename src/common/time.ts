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
  const now = opts.now ?? Date.now();
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const toText = str(input.to);
  const fromText = str(input.from);
  const key = `${timeZone}|${fromText ?? ''}|${toText ?? ''}|${opts.maxDays}|${opts.defaultDays ?? ''}`;
  const kept = recentRanges.get(key);
  if (kept && now >= kept.todayStartMs && now < kept.todayEndMs) return { ...kept.range };
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  const range = computeDateRange(today, fromText, toText, timeZone, opts);
  if (recentRanges.size >= 1_000) recentRanges.clear();
  recentRanges.set(key, { range, todayStartMs: today.toMillis(), todayEndMs: today.plus({ days: 1 }).toMillis() });
  return { ...range };
}

/**
 * Ranges already read today, by zone and typed text: most page views ask for the default range (or the same
 * one again), and luxon's zone arithmetic for it was 5% of a dashboard's CPU. A kept range is only reused on
 * the same local day it was computed on, since its defaults count back from "today".
 */
const recentRanges = new Map<string, { range: DateRange; todayStartMs: number; todayEndMs: number }>();

function computeDateRange(today: DateTime, fromText: string | undefined, toText: string | undefined, timeZone: string, opts: { maxDays: number; defaultDays?: number }): DateRange {
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

const DATE_MED = { year: 'numeric', month: 'short', day: 'numeric' } as const;
const DATETIME_MED = { ...DATE_MED, hour: 'numeric', minute: 'numeric' } as const;
const localFormats = new Map<string, Intl.DateTimeFormat | null>();

/**
 * One Intl formatter per zone and style, made once: a list page shows 50 rows with two dates each, and
 * building a luxon DateTime per date (zone offset lookup, formatter lookup) was a tenth of such a page's CPU.
 * Null for a zone (or locale) Intl does not know.
 */
function localFormat(timeZone: string, withTime: boolean, locale: string): Intl.DateTimeFormat | null {
  const key = `${withTime ? 't' : 'd'}|${locale}|${timeZone}`;
  let f = localFormats.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat(locale, { ...(withTime ? DATETIME_MED : DATE_MED), timeZone });
    } catch {
      f = null;
    }
    if (localFormats.size >= 2_000) localFormats.clear(); // zones come from the store: bounded, but never trust that
    localFormats.set(key, f);
  }
  return f;
}

/**
 * A local date and time for display in the reader's language, e.g. `Mar 1, 2026, 3:05 PM` (en) or
 * `1. März 2026, 15:05` (de); "Invalid DateTime" for a zone nobody knows.
 */
export function formatLocal(ms: number, timeZone: string, withTime = false, locale = 'en'): string {
  const f = localFormat(timeZone, withTime, locale);
  if (f && Math.abs(ms) <= 8.64e15) return f.format(ms);
  const d = DateTime.fromMillis(ms, { zone: timeZone, locale });
  return withTime ? d.toLocaleString(DateTime.DATETIME_MED) : d.toLocaleString(DateTime.DATE_MED);
}

const monthFormats = new Map<string, Intl.DateTimeFormat>();

/** A month and year for display in the reader's language: `March 2026`, `März 2026`, `marzo de 2026`. */
export function formatMonth(ms: number, timeZone: string, locale = 'en'): string {
  const key = `${locale}|${timeZone}`;
  let f = monthFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone });
    if (monthFormats.size >= 2_000) monthFormats.clear();
    monthFormats.set(key, f);
  }
  return f.format(ms);
}

/** `YYYY-MM-DD` of an instant in a zone. */
export function localDate(ms: number, timeZone: string): string {
  return DateTime.fromMillis(ms, { zone: timeZone }).toISODate()!;
}
