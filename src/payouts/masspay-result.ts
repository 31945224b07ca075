/**
 * Reading PayPal's result file of a MassPay / Payouts run (docs/payouts.md). Tolerant of what PayPal's reports
 * vary in: any column order, header names in any case and spacing with the usual aliases, a BOM, CRLF, quoted
 * cells (the CSV reader the partner lists use), amounts written `$1,234.50`. Strict about what decides money: every row needs a recipient, an amount,
 * a currency and a status word it knows; a row it cannot read is a problem naming the row and what is wrong.
 */
import { parseCsv } from '../accounts/index.js';
import { AppError, decimalToCents } from '../common/index.js';

export type PaypalOutcome = 'paid' | 'not_paid';

export interface PaypalResultRow {
  /** Line number in the file (1 = header). */
  row: number;
  recipient: string;
  amountCents: number;
  currency: string;
  /** PayPal's word as written (e.g. `Completed`, `UNCLAIMED`). */
  status: string;
  outcome: PaypalOutcome;
  transactionId: string | null;
  /** MassPay's "unique id" (our item key), when the report kept it. */
  uniqueId: string | null;
}

export interface ParsedPaypalResult {
  rows: PaypalResultRow[];
  problems: string[];
}

const COLUMNS = {
  recipient: ['recipient', 'recipientemail', 'email', 'emailaddress', 'receiver', 'receiveremail', 'paypalemail', 'recipientpaypalemail'],
  amount: ['amount', 'gross', 'grossamount', 'paymentamount', 'payoutamount'],
  currency: ['currency', 'currencycode'],
  status: ['status', 'transactionstatus', 'itemstatus', 'paymentstatus', 'payoutstatus'],
  transactionId: ['transactionid', 'paypaltransactionid', 'payoutitemid', 'itemid', 'transaction'],
  uniqueId: ['uniqueid', 'referenceid', 'reference', 'senderitemid', 'customid', 'uniqueidentifier'],
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['recipient', 'amount', 'currency', 'status'];

/** PayPal's item statuses (Payouts API and MassPay reports): only a completed payment is paid. */
const PAID = new Set(['completed', 'complete', 'success', 'successful', 'paid', 'processed']);
const NOT_PAID = new Set(['failed', 'unclaimed', 'returned', 'refunded', 'reversed', 'denied', 'blocked', 'onhold', 'held', 'canceled', 'cancelled', 'pending', 'unprocessed', 'rejected']);

const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

function records(text: string): string[][] | string {
  try {
    return parseCsv(text);
  } catch (err) {
    if (err instanceof AppError) return `file: ${err.message.replace(/^csv: /, '')}`;
    throw err;
  }
}

/**
 * Parses the file; `problems` lists every row (and header) that cannot be used, the rows list the others. Rows
 * are numbered as records, the header being row 1 (blank lines are not counted).
 */
export function parsePaypalResult(text: string): ParsedPaypalResult {
  const lines = records(text);
  if (typeof lines === 'string') return { rows: [], problems: [lines] };
  const problems: string[] = [];
  const headerAt = 0;
  if (lines.length === 0) return { rows: [], problems: ['file: empty (expected a header row and one row per payment)'] };
  const header = lines[headerAt]!.map(norm);
  const at = {} as Record<Column, number>;
  for (const [col, names] of Object.entries(COLUMNS) as Array<[Column, readonly string[]]>) {
    at[col] = header.findIndex((h) => names.includes(h));
  }
  const missing = REQUIRED.filter((c) => at[c] < 0);
  if (missing.length) {
    return { rows: [], problems: [`row ${headerAt + 1}: header has no ${missing.join(', ')} column (found: ${lines[headerAt]!.join(', ')}; accepted names: ${missing.map((m) => COLUMNS[m].join('/')).join('; ')})`] };
  }
  const rows: PaypalResultRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const cells = lines[i]!;
    if (cells.every((c) => c.trim() === '')) continue;
    const rowNo = i + 1;
    const get = (c: Column) => (at[c] >= 0 ? (cells[at[c]] ?? '').trim() : '');
    const bad: string[] = [];
    const recipient = get('recipient');
    if (!/^[^\s@]+@[^\s@]+$/.test(recipient)) bad.push(`recipient ${JSON.stringify(recipient)} is not an email address`);
    const amountText = get('amount');
    const amountCents = decimalToCents(amountText.replace(/^[^\d-]+/, '').replace(/[\s,]/g, '').replace(/[A-Za-z]+$/, ''));
    if (amountCents === null || amountCents <= 0) bad.push(`amount ${JSON.stringify(amountText)} is not a positive amount such as 12.34`);
    const currency = get('currency').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) bad.push(`currency ${JSON.stringify(get('currency'))} is not an ISO 4217 code`);
    const status = get('status');
    const word = norm(status);
    const outcome: PaypalOutcome | null = PAID.has(word) ? 'paid' : NOT_PAID.has(word) ? 'not_paid' : null;
    if (!outcome) bad.push(`status ${JSON.stringify(status)} is not a PayPal status (e.g. Completed, Unclaimed, Failed, Returned)`);
    if (bad.length) {
      problems.push(`row ${rowNo}: ${bad.join('; ')}`);
      continue;
    }
    rows.push({ row: rowNo, recipient, amountCents: amountCents!, currency, status, outcome: outcome!, transactionId: get('transactionId') || null, uniqueId: get('uniqueId') || null });
  }
  if (rows.length === 0 && problems.length === 0) problems.push('file: a header row but no payments');
  return { rows, problems };
}
