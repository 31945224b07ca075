/** Money is integer cents with an ISO 4217 currency; formatting happens only at the edge. */
export interface Money {
  cents: number;
  currency: string;
}

/** `1234` -> `"12.34"`, `-5` -> `"-0.05"`: a plain decimal for CSV and JSON. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Human formatting in the reader's language, one Intl formatter per locale and currency: `$1,234.56` (en, USD),
 * `1.234,56 €` (de, EUR), `1234,56 US$` (es, USD). The amount stays in its own currency; only the notation follows
 * the locale.
 */
export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    if (formatters.size >= 1_000) formatters.clear(); // locales and currencies are few, but come from stored rows
    formatters.set(key, f);
  }
  return f.format(cents / 100);
}

const percentFormats = new Map<string, Intl.NumberFormat>();

/** A ratio as a percentage in the reader's language with fixed decimals: `0.25` -> `25.0%` (en), `25,0 %` (de). */
export function formatPercent(ratio: number, digits: number, locale = 'en'): string {
  const key = `${locale}|${digits}`;
  let f = percentFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
    if (percentFormats.size >= 1_000) percentFormats.clear();
    percentFormats.set(key, f);
  }
  return f.format(ratio);
}

/** Parses "12.34" / "12" / "-3.5" into cents without floating-point drift; null when malformed. */
export function decimalToCents(text: string): number | null {
  const m = /^(-)?(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}
