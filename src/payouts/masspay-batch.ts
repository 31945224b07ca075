/**
 * One MassPay run as Partnergate remembers it: every row of the file PayPal receives carries, in MassPay's
 * optional "unique id" column, the key of an item recorded here (`<batch key>-<partner id>`, at most 30
 * characters as PayPal allows). The item keeps the amount, the PayPal email and the exact commissions that
 * amount is the sum of, so confirming PayPal's result later pays exactly those, whatever changed since.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../accounts/index.js';
import type { Database } from '../store/index.js';
import { neutraliseFormula } from '../reports/formula-guard.js';
import { approvedUnpaidCommissions, insertMassPayBatch, type ApprovedCommission, type NewMassPayItem } from './payouts.repo.js';

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

export interface MassPayPayee extends NewMassPayItem {
  name: string;
}

export interface MassPayPlan {
  currency: string;
  payees: MassPayPayee[];
  skipped: MassPaySkippedPartner[];
}

const EMAIL = /^[^\s@,;"<>]+@[^\s@,;"'<>]+\.[^\s@,;"'<>]+$/;

/** Why a PayPal email cannot go into the file, or null when it can. Trigger characters first: never "neutralised". */
export function paypalEmailProblem(email: string | null): MassPaySkippedPartner['reason'] | null {
  const e = email?.trim() ?? '';
  if (e === '') return 'no_paypal_email';
  if (!EMAIL.test(e) || neutraliseFormula(e) !== e || e.startsWith("'")) return 'invalid_paypal_email';
  return null;
}

/** Approved, unpaid balances per partner at or above the threshold: who goes into the file, who is left out. */
export async function planMassPay(db: Kysely<Database>, o: MassPayOptions): Promise<MassPayPlan> {
  const plan: MassPayPlan = { currency: o.currency, payees: [], skipped: [] };
  const min = Math.max(o.threshold, 1);
  let rows: ApprovedCommission[] = [];
  const flush = () => {
    const first = rows[0];
    if (!first) return;
    const amountCents = rows.reduce((s, r) => s + Number(r.amount_cents), 0);
    const commissionIds = rows.map((r) => r.id);
    rows = [];
    if (amountCents < min) return;
    const name = [first.first_name, first.last_name].filter(Boolean).join(' ');
    const reason = paypalEmailProblem(first.paypal_email);
    if (reason) plan.skipped.push({ partnerId: first.partner_id, name, referralCode: first.referral_code, paypalEmail: first.paypal_email, amountCents, reason });
    else plan.payees.push({ itemKey: '', partnerId: first.partner_id, paypalEmail: first.paypal_email!.trim(), amountCents, commissionIds, name });
  };
  for await (const c of approvedUnpaidCommissions(db, o.currency)) {
    if (rows.length && rows[0]!.partner_id !== c.partner_id) flush();
    rows.push(c);
  }
  flush();
  return plan;
}

/** A new batch key: `pg` + UTC date + 6 random characters, so item keys stay within PayPal's 30 characters. */
function newBatchKey(now: number): string {
  return `pg${new Date(now).toISOString().slice(2, 10).replaceAll('-', '')}${randomBytes(4).toString('hex').slice(0, 6)}`;
}

/**
 * Records the plan's payees as a batch (one transaction, with an audit row) and gives each its item key.
 * A plan without payees records nothing. Returns the batch key, or null.
 */
export async function recordMassPayBatch(db: Kysely<Database>, plan: MassPayPlan, who: { accountId: number | null; requestId: string | null; threshold: number; now: number }): Promise<string | null> {
  if (plan.payees.length === 0) return null;
  const batchKey = newBatchKey(who.now);
  for (const p of plan.payees) p.itemKey = `${batchKey}-${p.partnerId}`;
  await db.transaction().execute(async (trx) => {
    await insertMassPayBatch(trx, { batchKey, currency: plan.currency, createdBy: who.accountId, now: who.now, items: plan.payees });
    await recordAudit(trx, {
      action: 'payouts.masspay_batch', actorAccountId: who.accountId, partnerId: null, at: who.now, requestId: who.requestId,
      details: { batch: batchKey, currency: plan.currency, thresholdCents: who.threshold, payees: plan.payees.length, totalCents: plan.payees.reduce((s, p) => s + p.amountCents, 0) },
    });
  });
  return batchKey;
}
