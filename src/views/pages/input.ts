/**
 * Reading a page's query string. Every bad value becomes a problem (field + a sentence naming it) and falls back
 * to its default, so the page still renders with the rest of the data; the page then answers 400 with the
 * problems shown at the top and next to their fields.
 */
import { DateTime } from 'luxon';
import { AppError, parseDateRange, type DateRange } from '../../common/index.js';
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
    this.problem(name, `${label}: "${v.slice(0, 40)}" is not one of ${allowed.join(', ')}.`);
    return fallback;
  }

  /** Page number 1..MAX_PAGE; anything else is reported and page 1 is shown. */
  page(): number {
    const v = this.text('page', 50);
    if (v === undefined) return 1;
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1) {
      this.problem('page', `Page: "${v.slice(0, 20)}" is not a page number; showing page 1.`);
      return 1;
    }
    if (Number(v) > MAX_PAGE) {
      this.problem('page', `Page: page numbers stop at ${MAX_PAGE}; showing page 1. Choose a date range to see older rows.`);
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
      this.problem(field, `${field === 'to' ? 'To' : 'From'} date: ${err.message.replace(/^(from|to): /, '')}. Showing ${opts.optional ? 'all dates' : `the last ${opts.defaultDays} days`} instead.`);
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
