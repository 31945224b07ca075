/**
 * The only payouts code that touches kysely: payouts, MassPay batches and items, and the commissions a payout
 * covers. Functions take the database or the caller's transaction first.
 */
import type { Selectable } from 'kysely';
import { EARNED_KINDS, type Db, type MassPayItemTable, type Payout } from '../store/index.js';

export type { Db };

export interface NewPayout {
  partnerId: number;
  amountCents: number;
  currency: string;
  method: string;
  reference: string | null;
  paidAt: number;
  source: 'ontraport' | 'masspay';
  sourceKey: string;
  now: number;
}

/** Inserts the payout unless its source key is already recorded; returns its id, or null when it was. */
export async function insertPayoutOnce(db: Db, p: NewPayout): Promise<number | null> {
  const r = await db
    .insertInto('payouts')
    .values({ partner_id: p.partnerId, amount_cents: p.amountCents, currency: p.currency, method: p.method, reference: p.reference, paid_at: p.paidAt, source: p.source, source_key: p.sourceKey, created_at: p.now })
    .onConflict((oc) => oc.column('source_key').where('source_key', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r?.id ?? null;
}

/** Links commissions of the partner that no payout covers yet to this payout; returns how many. */
export async function linkCommissions(db: Db, payoutId: number, partnerId: number, commissionIds: readonly number[]): Promise<number> {
  let linked = 0;
  for (let i = 0; i < commissionIds.length; i += 500) {
    const r = await db
      .updateTable('commissions')
      .set({ payout_id: payoutId })
      .where('id', 'in', commissionIds.slice(i, i + 500))
      .where('partner_id', '=', partnerId)
      .where('payout_id', 'is', null)
      .executeTakeFirst();
    linked += Number(r.numUpdatedRows);
  }
  return linked;
}

/** One of these commissions that a payout already covers, if any. */
export async function firstCoveredCommission(db: Db, commissionIds: readonly number[]): Promise<{ id: number; payout_id: number | null } | undefined> {
  for (let i = 0; i < commissionIds.length; i += 500) {
    const hit = await db.selectFrom('commissions').select(['id', 'payout_id']).where('id', 'in', commissionIds.slice(i, i + 500)).where('payout_id', 'is not', null).limit(1).executeTakeFirst();
    if (hit) return hit;
  }
  return undefined;
}

export interface PaidCommission {
  id: number;
  partner_id: number;
  currency: string;
  amount_cents: number;
  paid_at: number;
}

/** Partners (after `afterPartnerId`, ascending) with paid commissions no payout covers yet. */
export async function partnersWithUncoveredPaid(db: Db, afterPartnerId: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('commissions')
    .select('partner_id')
    .distinct()
    .where('status', '=', 'paid')
    .where('kind', 'in', EARNED_KINDS)
    .where('payout_id', 'is', null)
    .where('paid_at', 'is not', null)
    .where('partner_id', '>', afterPartnerId)
    .orderBy('partner_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.partner_id);
}

/** Those partners' paid commissions no payout covers yet, by partner, currency and paid time. */
export async function uncoveredPaidCommissions(db: Db, partnerIds: readonly number[]): Promise<PaidCommission[]> {
  if (partnerIds.length === 0) return [];
  return db
    .selectFrom('commissions')
    .select(['id', 'partner_id', 'currency', 'amount_cents', 'paid_at'])
    .where('status', '=', 'paid')
    .where('kind', 'in', EARNED_KINDS)
    .where('payout_id', 'is', null)
    .where('paid_at', 'is not', null)
    .where('partner_id', 'in', [...partnerIds])
    .orderBy('partner_id')
    .orderBy('currency')
    .orderBy('paid_at')
    .orderBy('id')
    .execute() as Promise<PaidCommission[]>;
}

export interface ApprovedCommission {
  id: number;
  partner_id: number;
  amount_cents: number;
  paypal_email: string | null;
  referral_code: string;
  first_name: string | null;
  last_name: string | null;
}

/** Approved commissions no payout covers yet, in one currency, partner by partner (the next MassPay run). */
export async function* approvedUnpaidCommissions(db: Db, currency: string): AsyncGenerator<ApprovedCommission> {
  yield* db
    .selectFrom('commissions as c')
    .innerJoin('partners as p', 'p.id', 'c.partner_id')
    .leftJoin('contacts as ct', 'ct.id', 'p.contact_id')
    .select(['c.id', 'c.partner_id', 'c.amount_cents', 'p.paypal_email', 'p.referral_code', 'ct.first_name', 'ct.last_name'])
    .where('c.status', '=', 'approved')
    .where('c.kind', 'in', EARNED_KINDS)
    .where('c.payout_id', 'is', null)
    .where('c.currency', '=', currency)
    .orderBy('c.partner_id')
    .orderBy('c.id')
    .stream(1000);
}

export interface NewMassPayItem {
  itemKey: string;
  partnerId: number;
  paypalEmail: string;
  amountCents: number;
  commissionIds: number[];
}

export async function insertMassPayBatch(db: Db, b: { batchKey: string; currency: string; createdBy: number | null; now: number; items: readonly NewMassPayItem[] }): Promise<number> {
  const { id } = await db
    .insertInto('masspay_batches')
    .values({ batch_key: b.batchKey, currency: b.currency, created_at: b.now, created_by: b.createdBy, confirmed_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < b.items.length; i += 200) {
    await db
      .insertInto('masspay_items')
      .values(
        b.items.slice(i, i + 200).map((it) => ({
          batch_id: id, item_key: it.itemKey, partner_id: it.partnerId, paypal_email: it.paypalEmail, amount_cents: it.amountCents, currency: b.currency,
          commission_ids_json: JSON.stringify(it.commissionIds), paypal_status: null, payout_id: null, updated_at: b.now,
        })),
      )
      .execute();
  }
  return id;
}

export type MassPayItemRow = Omit<Selectable<MassPayItemTable>, 'paypal_status' | 'updated_at'> & { batch_key: string };

const itemColumns = ['i.id', 'i.batch_id', 'b.batch_key', 'i.item_key', 'i.partner_id', 'i.paypal_email', 'i.amount_cents', 'i.currency', 'i.commission_ids_json', 'i.status', 'i.payout_id'] as const;

export async function massPayItemsByKey(db: Db, keys: readonly string[]): Promise<Map<string, MassPayItemRow>> {
  const out = new Map<string, MassPayItemRow>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db.selectFrom('masspay_items as i').innerJoin('masspay_batches as b', 'b.id', 'i.batch_id').select(itemColumns).where('i.item_key', 'in', keys.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.item_key, r as MassPayItemRow);
  }
  return out;
}

/** Items not yet paid for this PayPal email (case-insensitive), for result rows that carry no unique id. */
export async function unpaidMassPayItemsFor(db: Db, email: string): Promise<MassPayItemRow[]> {
  const rows = await db
    .selectFrom('masspay_items as i')
    .innerJoin('masspay_batches as b', 'b.id', 'i.batch_id')
    .select(itemColumns)
    .where((eb) => eb(eb.fn('lower', ['i.paypal_email']), '=', email.toLowerCase()))
    .where('i.status', '<>', 'paid')
    .execute();
  return rows as MassPayItemRow[];
}

export async function settleMassPayItem(db: Db, itemId: number, s: { status: 'paid' | 'failed'; paypalStatus: string; payoutId: number | null; now: number }): Promise<void> {
  await db.updateTable('masspay_items').set({ status: s.status, paypal_status: s.paypalStatus, payout_id: s.payoutId, updated_at: s.now }).where('id', '=', itemId).execute();
}

export async function markBatchesConfirmed(db: Db, batchIds: readonly number[], now: number): Promise<void> {
  if (batchIds.length) await db.updateTable('masspay_batches').set({ confirmed_at: now }).where('id', 'in', [...batchIds]).execute();
}

export type PayoutListRow = Pick<Payout, 'id' | 'amount_cents' | 'currency' | 'method' | 'reference' | 'paid_at' | 'source'> & { commission_count: number };

/** The partner's payouts, newest first (scoped: only this partner's). */
export async function payoutsOf(db: Db, partnerId: number, limit: number, offset: number): Promise<PayoutListRow[]> {
  return db
    .selectFrom('payouts as p')
    .select(['p.id', 'p.amount_cents', 'p.currency', 'p.method', 'p.reference', 'p.paid_at', 'p.source'])
    .select((eb) => eb.selectFrom('commissions as c').select((e) => e.fn.countAll<number>().as('n')).whereRef('c.payout_id', '=', 'p.id').where('c.partner_id', '=', partnerId).as('commission_count'))
    .where('p.partner_id', '=', partnerId)
    .orderBy('p.paid_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute() as Promise<PayoutListRow[]>;
}

/** One payout of this partner, or undefined (another partner's id looks exactly like a missing one). */
export async function payoutOf(db: Db, partnerId: number, payoutId: number) {
  return db
    .selectFrom('payouts')
    .select(['id', 'amount_cents', 'currency', 'method', 'reference', 'paid_at', 'source'])
    .where('id', '=', payoutId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
}

/** The commissions a payout covers (both sides scoped to the partner). */
export async function commissionsOfPayout(db: Db, partnerId: number, payoutId: number) {
  return db
    .selectFrom('commissions as c')
    .leftJoin('products as pr', 'pr.id', 'c.product_id')
    .leftJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select(['c.id', 'c.kind', 'c.status', 'c.amount_cents', 'c.currency', 'c.transaction_at', 'c.processed_at', 'c.paid_at', 'c.sub_id', 'pr.name as product_name', 'ct.first_name', 'ct.last_name'])
    .where('c.payout_id', '=', payoutId)
    .where('c.partner_id', '=', partnerId)
    .orderBy('c.transaction_at')
    .orderBy('c.id')
    .execute();
}
