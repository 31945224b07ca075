/**
 * Reading a page's query string. Every bad value becomes a problem (field + a sentence naming it) and falls back
 * to its default, so the page still renders with the rest of the data; the page then answers 400 with the
 * problems shown at the top and next to their fields.
 */
import { DateTime } from 'luxon';
import { AppError, parseDateRange, type DateRange } from '../../common/index.js';
import { DEFAULT_LOCALE, t } from '../../i18n/index.js';
import { MAX_PAGE } from '../../partners/index.js';

export interface Problem {
  field: string;
  message: string;
}

type Query = Record<string, unknown>;

export class PageInput {
  readonly problems: Problem[] = [];

  constructor(
    private readonly query: Query,
    readonly timeZone: string,
    readonly now: number,
    /** Longest range accepted (the exports' limit, so every page range can be exported). */
    readonly maxDays: number,
    /** The language problems are written in. */
    readonly locale: string = DEFAULT_LOCALE,
  ) {}

  /** The first value of a query parameter, trimmed; undefined when absent or empty. */
  text(name: string, maxLength = 2000): string | undefined {
    let v = this.query[name];
    if (Array.isArray(v)) v = v[0];
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    if (t === '') return undefined;
    return t.length > maxLength ? t.slice(0, maxLength) : t;
  }

  problem(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T, label: string): T {
    const v = this.text(name, 100);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem(name, t(this.locale, 'common:input.choice', { label, value: v.slice(0, 40), allowed: allowed.join(', ') }));
    return fallback;
  }

  /** Page number 1..MAX_PAGE; anything else is reported and page 1 is shown. */
  page(): number {
    const v = this.text('page', 50);
    if (v === undefined) return 1;
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1) {
      this.problem('page', t(this.locale, 'common:input.badPage', { value: v.slice(0, 20) }));
      return 1;
    }
    if (Number(v) > MAX_PAGE) {
      this.problem('page', t(this.locale, 'common:input.pageTooFar', { max: MAX_PAGE }));
      return 1;
    }
    return Number(v);
  }

  /**
   * The `from` / `to` range in the partner's zone. `optional`: absent means "all time" (undefined).
   * A bad range is reported and replaced by the default.
   */
  range(opts: { defaultDays: number; optional?: false }): DateRange;
  range(opts: { defaultDays: number; optional: true }): DateRange | undefined;
  range(opts: { defaultDays: number; optional?: boolean }): DateRange | undefined {
    const from = this.text('from', 40);
    const to = this.text('to', 40);
    const fallback = () => (opts.optional ? undefined : this.defaultRange(opts.defaultDays));
    if (opts.optional && from === undefined && to === undefined) return undefined;
    try {
      return parseDateRange({ from, to }, this.timeZone, { maxDays: this.maxDays, defaultDays: opts.defaultDays, now: this.now });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const field = err.field ?? 'from';
      const reason = rangeReason(err.message.replace(/^(from|to): /, ''), this.locale);
      this.problem(field, t(this.locale, 'common:input.badRange', { field, reason, optional: opts.optional ? 'yes' : 'no', days: opts.defaultDays }));
      return fallback();
    }
  }

  defaultRange(days: number): DateRange {
    return parseDateRange({}, this.timeZone, { maxDays: this.maxDays, defaultDays: days, now: this.now });
  }

  /** The range an export link should carry for "all dates": the longest one exports accept, ending today. */
  allDatesRange(): DateRange {
    return this.defaultRange(this.maxDays);
  }

  get status(): number {
    return this.problems.length ? 400 : 200;
  }

  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.problems) out[p.field] ??= p.message;
    return out;
  }
}

/**
 * The reason src/common gives for a bad range (English, for logs and the JSON API), in the reader's language; a
 * reason this list does not know stays as given.
 */
function rangeReason(english: string, locale: string): string {
  let m: RegExpExecArray | null;
  if (english === 'must be a date as YYYY-MM-DD') return t(locale, 'common:input.reason.format');
  if ((m = /^(.+) is not a real date between 1970 and 2100$/.exec(english))) return t(locale, 'common:input.reason.unreal', { text: m[1] });
  if ((m = /^(\S+) is after to: (\S+)$/.exec(english))) return t(locale, 'common:input.reason.order', { from: m[1], to: m[2] });
  if ((m = /^the range is (\d+) days; the longest allowed is (\d+)$/.exec(english))) return t(locale, 'common:input.reason.tooLong', { days: Number(m[1]), max: Number(m[2]) });
  return english;
}

/** `?a=1&b=2` from the non-empty values, in order. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `YYYY-MM-DD` today in the zone. */
export function today(now: number, zone: string): string {
  return DateTime.fromMillis(now, { zone }).toISODate()!;
}
