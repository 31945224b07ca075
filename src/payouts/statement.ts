/**
 * What a partner sees of their payouts: the list, and one payout's statement (the payout and every commission
 * it covers). Every query starts from the signed-in partner's id: another partner's payout id is "not found",
 * exactly like an id that does not exist.
 */
import { AppError } from '../common/index.js';
import { commissionsOfPayout, payoutOf, payoutsOf, type Db, type PayoutListRow } from './payouts.repo.js';

export interface PayoutSummary {
  id: number;
  amountCents: number;
  currency: string;
  method: string;
  reference: string | null;
  paidAt: number;
  source: string;
  commissionCount: number;
}

export interface StatementLine {
  commissionId: number;
  kind: string;
  status: string;
  amountCents: number;
  transactionAt: number;
  processedAt: number | null;
  product: string | null;
  customer: string;
  subId: string | null;
}

export interface PayoutStatement {
  payout: Omit<PayoutSummary, 'commissionCount'>;
  lines: StatementLine[];
  /** Sum of the commissions listed; equals the payout's amount unless a commission changed after payment. */
  linesTotalCents: number;
}

const summary = (r: PayoutListRow): PayoutSummary => ({
  id: r.id, amountCents: Number(r.amount_cents), currency: r.currency, method: r.method, reference: r.reference, paidAt: Number(r.paid_at), source: r.source, commissionCount: Number(r.commission_count),
});

/** The partner's payouts, newest first. */
export async function listPayouts(db: Db, partnerId: number, page: { limit: number; offset: number } = { limit: 100, offset: 0 }): Promise<PayoutSummary[]> {
  return (await payoutsOf(db, partnerId, page.limit, page.offset)).map(summary);
}

/** One payout of the partner with its commissions; `not_found` for any other id. */
export async function payoutStatement(db: Db, partnerId: number, payoutId: number): Promise<PayoutStatement> {
  const p = Number.isSafeInteger(payoutId) && payoutId > 0 ? await payoutOf(db, partnerId, payoutId) : undefined;
  if (!p) throw new AppError('not_found', 'No such payout.');
  const lines = (await commissionsOfPayout(db, partnerId, p.id)).map((c) => ({
    commissionId: c.id, kind: c.kind, status: c.status, amountCents: Number(c.amount_cents), transactionAt: Number(c.transaction_at), processedAt: c.processed_at === null ? null : Number(c.processed_at),
    product: c.product_name ?? null, customer: [c.first_name, c.last_name].filter(Boolean).join(' '), subId: c.sub_id,
  }));
  return {
    payout: { id: p.id, amountCents: Number(p.amount_cents), currency: p.currency, method: p.method, reference: p.reference, paidAt: Number(p.paid_at), source: p.source },
    lines,
    linesTotalCents: lines.reduce((s, l) => s + l.amountCents, 0),
  };
}
