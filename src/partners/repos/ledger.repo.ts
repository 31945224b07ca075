/**
 * Rows of the earnings ledger (docs/domain.md): earned commissions and clawbacks on the day they were
 * processed, sales refunded before payout, and payouts. A commission's ledger date is `processed_at`, or
 * `transaction_at` when a row has none; both branches of that OR run on partner-first indexes
 * (`(partner_id, processed_at)` from migration 0500 and `(partner_id, transaction_at)`).
 */
import type { Expression, ExpressionBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
import { EARNED_KINDS, EARNED_STATUSES, type Database } from '../../store/index.js';
import type { CommissionListRow } from './commissions.repo.js';
import { num, type Db, type MsRange } from './db.js';

type Eb = ExpressionBuilder<Database, 'commissions'>;

function ledgerDateFrom(eb: Eb, ms: number): Expression<SqlBool> {
  return eb.or([eb('processed_at', '>=', ms), eb.and([eb('processed_at', 'is', null), eb('transaction_at', '>=', ms)])]);
}

function ledgerDateIn(eb: Eb, r: MsRange): Expression<SqlBool> {
  return eb.or([
    eb.and([eb('processed_at', '>=', r.startMs), eb('processed_at', '<', r.endMs)]),
    eb.and([eb('processed_at', 'is', null), eb('transaction_at', '>=', r.startMs), eb('transaction_at', '<', r.endMs)]),
  ]);
}

/** The sum of one partner's `amount_cents` in `table`, as `s`, for the caller to narrow. */
function partnerCents<T extends 'commissions' | 'payouts'>(db: Db, table: T, partnerId: number) {
  return db
    .selectFrom(table as 'commissions' | 'payouts')
    .select((eb) => eb.fn.sum<number>('amount_cents').as('s'))
    .where('partner_id', '=', partnerId) as unknown as SelectQueryBuilder<Database, T, { s: number }>;
}

/** A commission row as the ledger reads it: the list's row without the names and payment columns. */
export type LedgerCommissionRow = Pick<CommissionListRow, 'id' | 'kind' | 'status' | 'amount_cents' | 'currency' | 'transaction_at' | 'processed_at' | 'contact_id' | 'product_id'>;

/** Commissions that appear in the ledger in a range: earned sales and clawbacks, and sales refunded before payout. */
export async function ledgerCommissionsIn(db: Db, partnerId: number, range: MsRange, limit: number): Promise<LedgerCommissionRow[]> {
  return db
    .selectFrom('commissions')
    .select(['id', 'kind', 'status', 'amount_cents', 'currency', 'transaction_at', 'processed_at', 'contact_id', 'product_id'])
    .where('partner_id', '=', partnerId)
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', 'in', EARNED_KINDS), eb('status', 'in', EARNED_STATUSES)]),
        eb.and([eb('kind', '=', 'sale'), eb('status', '=', 'refunded')]),
      ]),
    )
    .where((eb) => ledgerDateIn(eb, range))
    .limit(limit)
    .execute();
}

/**
 * Earned (sale and clawback, approved or paid) with a ledger date on or after `ms`. The ledger's opening
 * balance is all-time earned minus this: a recent range reads only recent rows (plus the covering
 * `commissions_partner_totals_ix` for the all-time sum) instead of the partner's whole history.
 */
export async function earnedSince(db: Db, partnerId: number, ms: number): Promise<number> {
  const r = await partnerCents(db, 'commissions', partnerId)
    .where('kind', 'in', EARNED_KINDS)
    .where('status', 'in', EARNED_STATUSES)
    .where((eb) => ledgerDateFrom(eb, ms))
    .executeTakeFirst();
  return num(r?.s);
}

export interface PayoutRow {
  id: number;
  amount_cents: number;
  currency: string;
  method: string;
  reference: string | null;
  paid_at: number;
}

export async function payoutsIn(db: Db, partnerId: number, range: MsRange, limit: number): Promise<PayoutRow[]> {
  return db
    .selectFrom('payouts')
    .select(['id', 'amount_cents', 'currency', 'method', 'reference', 'paid_at'])
    .where('partner_id', '=', partnerId)
    .where('paid_at', '>=', range.startMs)
    .where('paid_at', '<', range.endMs)
    .orderBy('paid_at')
    .limit(limit)
    .execute();
}

export async function paidOutBefore(db: Db, partnerId: number, ms: number): Promise<number> {
  const r = await partnerCents(db, 'payouts', partnerId).where('paid_at', '<', ms).executeTakeFirst();
  return num(r?.s);
}

/**
 * Approved commissions a payout already covers (a confirmed MassPay file pays them before Ontraport's "pay
 * partner" marks them paid): paid to the partner, no longer waiting for the next payout.
 */
export async function approvedInPayouts(db: Db, partnerId: number): Promise<number> {
  const r = await db
    .selectFrom('commissions')
    .select((eb) => eb.fn.sum<number>('amount_cents').as('s'))
    .where('partner_id', '=', partnerId)
    .where('status', '=', 'approved')
    .where('kind', 'in', EARNED_KINDS)
    .where('payout_id', 'is not', null)
    .executeTakeFirst();
  return num(r?.s);
}

/** Names for the contacts and products of one ledger page. */
export async function namesFor(db: Db, contactIds: number[], productIds: number[]): Promise<{ contacts: Map<number, string>; products: Map<number, string> }> {
  const contacts = new Map<number, string>();
  const products = new Map<number, string>();
  if (contactIds.length) {
    for (const r of await db.selectFrom('contacts').select(['id', 'first_name', 'last_name']).where('id', 'in', contactIds).execute()) {
      contacts.set(r.id, `${r.first_name} ${r.last_name}`.trim());
    }
  }
  if (productIds.length) {
    for (const r of await db.selectFrom('products').select(['id', 'name']).where('id', 'in', productIds).execute()) products.set(r.id, r.name);
  }
  return { contacts, products };
}
