/**
 * One payout's statement as CSV (`/partner-center/payouts/<id>/statement.csv`): the payout's columns repeated on
 * each of its commissions, amounts as plain decimals, dates as UTC ISO 8601, text cells formula-neutralised
 * (a SubID or a product name can come from a visitor or an admin). A UTF-8 BOM, as the other exports, for Excel.
 */
import { centsToDecimal } from '../common/index.js';
import type { PayoutStatement } from '../payouts/index.js';
import { csvField, csvHeaderLine, UTF8_BOM } from './csv-stream.js';
import { neutraliseFormula } from './formula-guard.js';

export const STATEMENT_COLUMNS = [
  'payout_id', 'paid_at', 'method', 'reference', 'payout_amount', 'currency',
  'commission_id', 'kind', 'status', 'transaction_at', 'product', 'customer', 'sub_id', 'amount',
] as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const text = (v: string | null) => (v ? neutraliseFormula(v) : null);

export function payoutStatementCsv(s: PayoutStatement): Buffer {
  const p = s.payout;
  const head = [String(p.id), iso(p.paidAt), text(p.method), text(p.reference), centsToDecimal(p.amountCents), p.currency];
  const rows = s.lines.map((l) => [...head, String(l.commissionId), l.kind, l.status, iso(l.transactionAt), text(l.product), text(l.customer || null), text(l.subId), centsToDecimal(l.amountCents)]);
  const lines = (rows.length ? rows : [[...head, null, null, null, null, null, null, null, null]]).map((r) => `${r.map((c) => (c === null ? '' : csvField(c))).join(',')}\r\n`);
  return Buffer.concat([UTF8_BOM, Buffer.from(csvHeaderLine(STATEMENT_COLUMNS) + lines.join(''), 'utf8')]);
}
