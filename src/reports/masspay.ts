/**
 * The PayPal MassPay file for the next payout run: one line `email,amount,currency` per partner whose approved,
 * unpaid commissions (sales and clawbacks, in `currency`) add up to at least the threshold and to more than
 * zero. Partners without a usable PayPal email are left out of the file and reported separately, so that
 * nobody is paid to a wrong or missing address. PayPal's MassPay / Payouts upload takes no header row.
 *
 * For the admin CLI: `massPayExport(db, { threshold: 5000, currency: 'USD' }, createWriteStream(tmp))`, then
 * print `summary.skipped` and rename the file into place (a failure leaves a partial file behind).
 */
import { Readable, pipeline, type Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { centsToDecimal } from '../common/index.js';
import { recordAudit } from '../accounts/index.js';
import { EARNED_KINDS, type Database } from '../store/index.js';
import { csvStringifier, firstBytes } from './csv-stream.js';
import { neutraliseFormula } from './formula-guard.js';

export interface MassPayOptions {
  /** Smallest balance paid, in cents (balances must also be above zero). */
  threshold: number;
  /** ISO 4217 code: only commissions in this currency count. */
  currency: string;
}

export interface MassPaySkippedPartner {
  partnerId: number;
  name: string;
  referralCode: string;
  paypalEmail: string | null;
  amountCents: number;
  reason: 'no_paypal_email' | 'invalid_paypal_email';
}

export interface MassPaySummary {
  currency: string;
  payees: number;
  totalCents: number;
  skipped: MassPaySkippedPartner[];
}

interface Balance {
  partner_id: number;
  paypal_email: string | null;
  referral_code: string;
  first_name: string | null;
  last_name: string | null;
  total_cents: number;
}

/** Approved, unpaid balances per partner at or above the threshold (repository). */
async function* approvedBalances(db: Kysely<Database>, o: MassPayOptions): AsyncGenerator<Balance> {
  const total = sql<number>`sum(c.amount_cents)`;
  yield* db
    .selectFrom('commissions as c')
    .innerJoin('partners as p', 'p.id', 'c.partner_id')
    .leftJoin('contacts as ct', 'ct.id', 'p.contact_id')
    .select(['p.id as partner_id', 'p.paypal_email', 'p.referral_code', 'ct.first_name', 'ct.last_name', total.as('total_cents')])
    .where('c.status', '=', 'approved')
    .where('c.kind', 'in', EARNED_KINDS)
    .where('c.payout_id', 'is', null)
    .where('c.currency', '=', o.currency)
    .groupBy(['p.id', 'p.paypal_email', 'p.referral_code', 'ct.first_name', 'ct.last_name'])
    .having(total, '>=', Math.max(o.threshold, 1))
    .orderBy('p.id')
    .stream(500);
}

/** Records who exported a payout file (audit trail of money movements). */
export async function recordMassPayExport(
  db: Kysely<Database>,
  e: { accountId: number; at: number; requestId: string; threshold: number; currency: string },
): Promise<void> {
  await recordAudit(db, { at: e.at, actorAccountId: e.accountId, action: 'export.masspay', details: { currency: e.currency, thresholdCents: e.threshold }, requestId: e.requestId });
}

const EMAIL = /^[^\s@,;"<>]+@[^\s@,;"'<>]+\.[^\s@,;"'<>]+$/;

/** Why a PayPal email cannot go into the file, or null when it can. Trigger characters first: never "neutralised". */
export function paypalEmailProblem(email: string | null): MassPaySkippedPartner['reason'] | null {
  const e = email?.trim() ?? '';
  if (e === '') return 'no_paypal_email';
  if (!EMAIL.test(e) || neutraliseFormula(e) !== e || e.startsWith("'")) return 'invalid_paypal_email';
  return null;
}

async function pipeWhenStarted(rows: AsyncIterable<Array<string | null>>, headers: string[], header: boolean, out: Writable): Promise<void> {
  const body = pipeline(Readable.from(rows), csvStringifier(headers, { bom: false, header }), () => {});
  await firstBytes(body); // nothing written yet: a failing query is still an ordinary error for the caller
  await new Promise<void>((resolve, reject) => pipeline(body, out, (err) => (err ? reject(err) : resolve())));
}

/** Writes the MassPay CSV (no header) to `out` and ends it. Returns what went in and who was left out. */
export async function massPayExport(db: Kysely<Database>, o: MassPayOptions, out: Writable): Promise<MassPaySummary> {
  const summary: MassPaySummary = { currency: o.currency, payees: 0, totalCents: 0, skipped: [] };
  async function* lines() {
    for await (const b of approvedBalances(db, o)) {
      const reason = paypalEmailProblem(b.paypal_email);
      if (reason) {
        const name = [b.first_name, b.last_name].filter(Boolean).join(' ');
        summary.skipped.push({ partnerId: b.partner_id, name, referralCode: b.referral_code, paypalEmail: b.paypal_email, amountCents: Number(b.total_cents), reason });
        continue;
      }
      summary.payees++;
      summary.totalCents += Number(b.total_cents);
      yield [b.paypal_email!.trim(), centsToDecimal(Number(b.total_cents)), o.currency];
    }
  }
  await pipeWhenStarted(lines(), ['email', 'amount', 'currency'], false, out);
  return summary;
}

/** Writes the partners left out of the MassPay file (with a header row), text cells formula-neutralised. */
export async function massPaySkippedExport(db: Kysely<Database>, o: MassPayOptions, out: Writable): Promise<number> {
  let count = 0;
  async function* lines() {
    for await (const b of approvedBalances(db, o)) {
      const reason = paypalEmailProblem(b.paypal_email);
      if (!reason) continue;
      count++;
      const text = (v: string | null) => (v ? neutraliseFormula(v) : null);
      yield [String(b.partner_id), text([b.first_name, b.last_name].filter(Boolean).join(' ')), text(b.referral_code), text(b.paypal_email), centsToDecimal(Number(b.total_cents)), o.currency, reason];
    }
  }
  await pipeWhenStarted(lines(), ['partner_id', 'name', 'referral_code', 'paypal_email', 'amount', 'currency', 'reason'], true, out);
  return count;
}
