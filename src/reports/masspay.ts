/**
 * The PayPal MassPay file for the next payout run: one line `email,amount,currency,unique id` per partner whose approved,
 * unpaid commissions (sales and clawbacks, in `currency`) add up to at least the threshold and to more than
 * zero. Partners without a usable PayPal email are left out of the file and reported separately, so that
 * nobody is paid to a wrong or missing address. PayPal's MassPay / Payouts upload takes no header row. The
 * unique id (`<batch>-<partner id>`, MassPay's optional fourth column) ties PayPal's result file back to the
 * commissions each row pays (`partnergate payouts confirm`, docs/payouts.md).
 *
 * For the admin CLI: `massPayExport(db, { threshold: 5000, currency: 'USD' }, createWriteStream(tmp))`, then
 * print `summary.skipped` and rename the file into place (a failure leaves a partial file behind).
 */
import { Readable, pipeline, type Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { planMassPay, recordMassPayBatch, type MassPayOptions, type MassPaySkippedPartner } from '../payouts/index.js';
import { centsToDecimal } from '../common/index.js';
import { recordAudit } from '../accounts/index.js';
import type { Database } from '../store/index.js';
import { csvStringifier, firstBytes } from './csv-stream.js';
import { neutraliseFormula } from './formula-guard.js';

export type { MassPayOptions, MassPaySkippedPartner } from '../payouts/index.js';
export { paypalEmailProblem } from '../payouts/index.js';

export interface MassPaySummary {
  currency: string;
  payees: number;
  totalCents: number;
  skipped: MassPaySkippedPartner[];
  /** Key of the batch the file's rows belong to (their unique id is `<batch>-<partner id>`); null with no payee. */
  batch: string | null;
}

/** Records who exported a payout file (audit trail of money movements). */
export async function recordMassPayExport(
  db: Kysely<Database>,
  e: { accountId: number; at: number; requestId: string; threshold: number; currency: string },
): Promise<void> {
  await recordAudit(db, { at: e.at, actorAccountId: e.accountId, action: 'export.masspay', details: { currency: e.currency, thresholdCents: e.threshold }, requestId: e.requestId });
}


async function pipeWhenStarted(rows: AsyncIterable<Array<string | null>>, headers: string[], header: boolean, out: Writable): Promise<void> {
  const body = pipeline(Readable.from(rows), csvStringifier(headers, { bom: false, header }), () => {});
  await firstBytes(body); // nothing written yet: a failing query is still an ordinary error for the caller
  await new Promise<void>((resolve, reject) => pipeline(body, out, (err) => (err ? reject(err) : resolve())));
}

/**
 * Writes the MassPay CSV (no header; `email,amount,currency,unique id`) to `out` and ends it, after recording
 * its rows as a batch (payouts/masspay-batch.ts) so PayPal's result file can be confirmed against it later.
 * Returns what went in and who was left out.
 */
export async function massPayExport(db: Kysely<Database>, o: MassPayOptions, out: Writable, who: { accountId?: number | null; requestId?: string | null; now?: number } = {}): Promise<MassPaySummary> {
  const plan = await planMassPay(db, o);
  const batch = await recordMassPayBatch(db, plan, { accountId: who.accountId ?? null, requestId: who.requestId ?? null, threshold: o.threshold, now: who.now ?? Date.now() });
  const summary: MassPaySummary = { currency: o.currency, payees: plan.payees.length, totalCents: plan.payees.reduce((s, p) => s + p.amountCents, 0), skipped: plan.skipped, batch };
  async function* lines() {
    for (const p of plan.payees) yield [p.paypalEmail, centsToDecimal(p.amountCents), o.currency, p.itemKey];
  }
  await pipeWhenStarted(lines(), ['email', 'amount', 'currency', 'unique_id'], false, out);
  return summary;
}

/** Writes the partners left out of the MassPay file (with a header row), text cells formula-neutralised. */
export async function massPaySkippedExport(db: Kysely<Database>, o: MassPayOptions, out: Writable): Promise<number> {
  const plan = await planMassPay(db, o);
  async function* lines() {
    const text = (v: string | null) => (v ? neutraliseFormula(v) : null);
    for (const b of plan.skipped) yield [String(b.partnerId), text(b.name), text(b.referralCode), text(b.paypalEmail), centsToDecimal(b.amountCents), o.currency, b.reason];
  }
  await pipeWhenStarted(lines(), ['partner_id', 'name', 'referral_code', 'paypal_email', 'amount', 'currency', 'reason'], true, out);
  return plan.skipped.length;
}
