/**
 * Purchases (17), commissions (38) and open orders (44): the money partners earn.
 * - Partners are referred to by their contact id (`oprid` and friends) and translated through the referral code.
 * - Amounts are integer cents in the currency of the program: a record naming another currency than its
 *   program's is malformed (skipped and reported), never converted.
 * - Commission field names and status codes are *unconfirmed*: the fields come from objects/meta candidates
 *   and statuses from the labels of the status field's options ("Awaiting approval" -> pending, "Paid out" ->
 *   paid...). A clawback is stored negative, as the domain says, whatever sign Ontraport gives it.
 * - Purchases are limited to those credited to a partner (the partner center has no use for the others).
 */
import type { CommissionKind, CommissionStatus } from '../../store/tables.js';
import { gt } from '../conditions.js';
import { ObjectType, type BaseRecord } from '../types.js';
import { mapEach, mirrorHelpers, optionalIdOrNull } from './catalog-specs.js';
import type { PartnerRef, ProgramRef } from './lookups.js';
import { cents, MalformedRecord, optionalCents, optionalCurrency, optionalId, optionalText, optionalTime, optionTranslator, describeMapping, recordId, requiredId, requiredTime, resolveFields, type ResolvedFields } from './fields.js';
import { upsertMirrored } from './mirror-repository.js';
import { commissionEvents } from '../../notifications/index.js';
import { groupPaidCommissions } from '../../payouts/index.js';
import type { PageContext, SyncObjectSpec } from './types.js';

const dlm = { candidates: ['dlm'], required: true };
const partnerLabel = /^(credited )?(partner|affiliate)( id)?$/i;
const customerLabel = /^(contact|customer)( id)?$/i;

/** The partner a record credits, its program, and the currency that program uses (checked against the record's). */
function creditedPartner<K extends string>(ctx: PageContext, f: ResolvedFields<K>, r: BaseRecord, partnerKey: K, currencyKey: K, programKey?: K) {
  const partnerOid = requiredId(f.raw(r, partnerKey), 'partner');
  const partner: PartnerRef | undefined = ctx.lookups.partners.get(partnerOid);
  if (!partner) throw new MalformedRecord(`partner (contact #${partnerOid}) is not synced`);
  let program: ProgramRef | undefined = { id: partner.programId, currency: partner.currency };
  const programOid = programKey ? optionalId(f.raw(r, programKey), 'program') : null;
  if (programOid !== null) {
    program = ctx.lookups.programs.get(programOid);
    if (!program) throw new MalformedRecord(`partner program #${programOid} is not synced`);
  }
  const currency = optionalCurrency(f.raw(r, currencyKey), 'currency');
  if (currency !== null && currency !== program.currency) {
    throw new MalformedRecord(`currency ${currency} is not the currency of its program (${program.currency})`);
  }
  return { partner, currency: program.currency };
}

const purchaseWants = {
  contact: { candidates: ['contact_id'], required: true },
  product: { candidates: ['product_id'] },
  partner: { candidates: ['oprid', 'affiliate_id'], required: true },
  amount: { candidates: ['total_price', 'price', 'amount'], required: true },
  status: { candidates: ['status'], required: true },
  order: { candidates: ['order_id', 'invoice_id'] },
  currency: { candidates: ['currency', 'currency_code'] },
  date: { candidates: ['date'], required: true },
  dlm,
};

const purchaseStatuses = [
  [/refund|charge ?back|revers/i, 'refunded'],
  [/declin|fail|void|cancel|reject/i, 'declined'],
  [/pend|unpaid|await|process/i, 'pending'],
  [/paid|collect|success|complete|approv|captur/i, 'paid'],
] as const;

export const purchasesSpec: SyncObjectSpec = {
  name: 'purchases',
  objectType: ObjectType.Purchase,
  wants: purchaseWants,
  prepare(meta) {
    const f = resolveFields(meta, purchaseWants);
    const statusOf = optionTranslator(f.field('status'), purchaseStatuses, 'purchase status');
    return {
      scope: gt(f.name('partner'), 0),
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({
        contacts: records.map((r) => optionalIdOrNull(f.raw(r, 'contact'))),
        products: records.map((r) => optionalIdOrNull(f.raw(r, 'product'))),
        partners: records.map((r) => optionalIdOrNull(f.raw(r, 'partner'))),
      }),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r) => {
          const contactOid = requiredId(f.raw(r, 'contact'), 'contact');
          const contactId = ctx.lookups.contacts.get(contactOid);
          if (contactId === undefined) throw new MalformedRecord(`contact #${contactOid} is not synced (not a referred contact)`);
          const { partner, currency } = creditedPartner(ctx, f, r, 'partner', 'currency');
          const productOid = optionalId(f.raw(r, 'product'), 'product');
          return {
            ontraport_id: recordId(r),
            contact_id: contactId,
            product_id: productOid === null ? null : (ctx.lookups.products.get(productOid) ?? null),
            partner_id: partner.id,
            amount_cents: cents(f.raw(r, 'amount'), 'amount'),
            currency,
            status: statusOf(f.raw(r, 'status')),
            order_id: optionalId(f.raw(r, 'order'), 'order'),
            purchased_at: requiredTime(f.raw(r, 'date'), 'date'),
            updated_at: optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker,
            synced_at: ctx.marker,
          };
        });
        const cols = ['contact_id', 'product_id', 'partner_id', 'amount_cents', 'currency', 'status', 'order_id', 'purchased_at', 'updated_at', 'synced_at'];
        await upsertMirrored(ctx.trx, 'purchases', rows, cols);
        return rows.length;
      },
      ...mirrorHelpers('purchases'),
    };
  },
};

const commissionWants = {
  partner: { candidates: ['partner_id', 'oprid', 'affiliate_id', 'aff_id', 'partner'], labels: [partnerLabel], required: true },
  amount: { candidates: ['amount', 'commission', 'commission_amount', 'total'], labels: [/^(commission )?amount$/i, /^commission$/i], required: true },
  status: { candidates: ['status', 'commission_status', 'state'], labels: [/^(commission )?status$/i], required: true },
  date: { candidates: ['date', 'transaction_date', 'date_added'], labels: [/^(transaction )?date( added)?$/i], required: true },
  kind: { candidates: ['type', 'kind', 'commission_type'], labels: [/^(commission )?type$/i] },
  contact: { candidates: ['contact_id', 'customer_id'], labels: [customerLabel] },
  program: { candidates: ['program_id', 'partnerprogram_id', 'partner_program_id'], labels: [/^(partner )?program( id)?$/i] },
  product: { candidates: ['product_id'], labels: [/^product( id)?$/i] },
  purchase: { candidates: ['purchase_id'], labels: [/^(purchase|order)( id)?$/i] },
  promo: { candidates: ['promo_id', 'promotional_id', 'promo_tool_id', 'opid'], labels: [/^promo(tional)?( tool)?( id)?$/i] },
  subId: { candidates: ['sid', 'sub_id', 'subid'], labels: [/^sub ?id$/i] },
  currency: { candidates: ['currency', 'currency_code'], labels: [/^currency( code)?$/i] },
  processed: { candidates: ['date_processed', 'processed', 'processed_date', 'date_approved'], labels: [/^(date )?(processed|approved)( on| date)?$/i] },
  paid: { candidates: ['date_paid', 'paid_date', 'paid'], labels: [/^(date )?paid( on| date)?$/i] },
  dlm,
};

// Narrow words first: "Unapproved" / "Awaiting approval" are pending, "Unpaid" is not paid.
const commissionStatuses = [
  [/refund/i, 'refunded'],
  [/declin|cancel|reject|void|denied/i, 'declined'],
  [/pend|await|unapprov|unpaid|new|hold/i, 'pending'],
  [/paid/i, 'paid'],
  [/approv/i, 'approved'],
] as const satisfies ReadonlyArray<readonly [RegExp, CommissionStatus]>;

const commissionKinds = [
  [/claw|charge ?back|revers/i, 'clawback'],
  [/refund/i, 'refund'],
  [/sale|commission|standard|order|purchase/i, 'sale'],
] as const satisfies ReadonlyArray<readonly [RegExp, CommissionKind]>;

export const commissionsSpec: SyncObjectSpec = {
  name: 'commissions',
  objectType: ObjectType.Commission,
  wants: commissionWants,
  prepare(meta) {
    const f = resolveFields(meta, commissionWants);
    const statusOf = optionTranslator(f.field('status'), commissionStatuses, 'commission status');
    const kindOf = f.has('kind') ? optionTranslator(f.field('kind'), commissionKinds, 'commission type') : undefined;
    return {
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({
        partners: records.map((r) => optionalIdOrNull(f.raw(r, 'partner'))),
        programs: records.map((r) => optionalIdOrNull(f.raw(r, 'program'))),
        contacts: records.map((r) => optionalIdOrNull(f.raw(r, 'contact'))),
        products: records.map((r) => optionalIdOrNull(f.raw(r, 'product'))),
        purchases: records.map((r) => optionalIdOrNull(f.raw(r, 'purchase'))),
        promoTools: records.map((r) => optionalIdOrNull(f.raw(r, 'promo'))),
      }),
      async writePage(ctx, records) {
        const ref = (key: 'contact' | 'product' | 'purchase' | 'promo', r: BaseRecord) => {
          const oid = optionalId(f.raw(r, key), key);
          if (oid === null) return null;
          const found = key === 'contact' ? ctx.lookups.contacts.get(oid) : key === 'product' ? ctx.lookups.products.get(oid) : key === 'purchase' ? ctx.lookups.purchases.get(oid) : ctx.lookups.promoTools.get(oid);
          return found ?? null;
        };
        const rows = mapEach(ctx, records, (r) => {
          const { partner, currency } = creditedPartner(ctx, f, r, 'partner', 'currency', 'program');
          let amount = cents(f.raw(r, 'amount'), 'amount');
          const kind: CommissionKind = kindOf ? kindOf(f.raw(r, 'kind')) : amount < 0 ? 'clawback' : 'sale';
          if (kind === 'clawback') amount = -Math.abs(amount);
          else if (kind === 'sale' && amount < 0) throw new MalformedRecord('a sale commission has a negative amount');
          const status = statusOf(f.raw(r, 'status'));
          const updated = optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker;
          const processed = optionalTime(f.raw(r, 'processed'), 'date processed') ?? (status === 'pending' ? null : updated);
          const paid = optionalTime(f.raw(r, 'paid'), 'date paid') ?? (status === 'paid' ? processed : null);
          return {
            ontraport_id: recordId(r),
            partner_id: partner.id,
            contact_id: ref('contact', r),
            product_id: ref('product', r),
            purchase_id: ref('purchase', r),
            promo_tool_id: ref('promo', r),
            sub_id: optionalText(f.raw(r, 'subId'), 200),
            kind,
            status,
            amount_cents: amount,
            currency,
            transaction_at: requiredTime(f.raw(r, 'date'), 'date'),
            processed_at: processed,
            paid_at: status === 'paid' ? paid : null,
            payout_id: null,
            updated_at: updated,
            synced_at: ctx.marker,
          };
        });
        // payout_id belongs to Partnergate's payouts: never overwritten by the sync.
        const cols = ['partner_id', 'contact_id', 'product_id', 'purchase_id', 'promo_tool_id', 'sub_id', 'kind', 'status', 'amount_cents', 'currency', 'transaction_at', 'processed_at', 'paid_at', 'updated_at', 'synced_at'];
        const recordNews = await commissionEvents(ctx.trx, rows.map((r) => r.ontraport_id));
        await upsertMirrored(ctx.trx, 'commissions', rows, cols);
        await recordNews();
        return rows.length;
      },
      ...mirrorHelpers('commissions'),
      // Commissions Ontraport now says are paid become payouts (docs/payouts.md).
      afterPass: async (db) => {
        await groupPaidCommissions(db, { now: Date.now() });
      },
    };
  },
};

const openOrderWants = {
  partner: { candidates: ['oprid', 'affiliate_id', 'partner_id'], labels: [partnerLabel], required: true },
  contact: { candidates: ['contact_id'], labels: [customerLabel] },
  product: { candidates: ['product_id'], labels: [/^product( id)?$/i] },
  status: { candidates: ['status'], labels: [/^((subscription|order) )?status$/i], required: true },
  amount: { candidates: ['price', 'amount', 'total', 'total_price'], labels: [/^(recurring )?(price|amount)$/i], required: true },
  commission: { candidates: ['commission', 'commission_amount', 'level1'], labels: [/^(partner )?commission( amount)?$/i] },
  currency: { candidates: ['currency', 'currency_code'], labels: [/^currency( code)?$/i] },
  next: { candidates: ['next_charge', 'next_charge_date', 'next_date', 'next_payment'], labels: [/^next (charge|payment)( date)?$/i] },
  started: { candidates: ['date', 'start_date', 'date_added'], required: true },
  dlm,
};

const openOrderStatuses = [
  [/cancel|stop|end|inactiv|expired|complete/i, 'cancelled'],
  [/paus|hold|suspend/i, 'paused'],
  [/activ|running|open/i, 'active'],
] as const;

export const openOrdersSpec: SyncObjectSpec = {
  name: 'open_orders',
  objectType: ObjectType.OpenOrder,
  wants: openOrderWants,
  prepare(meta) {
    const f = resolveFields(meta, openOrderWants);
    const statusOf = optionTranslator(f.field('status'), openOrderStatuses, 'open order status');
    return {
      scope: gt(f.name('partner'), 0),
      mapping: describeMapping(f),
      dlmField: f.name('dlm'),
      refs: (records) => ({
        partners: records.map((r) => optionalIdOrNull(f.raw(r, 'partner'))),
        contacts: records.map((r) => optionalIdOrNull(f.raw(r, 'contact'))),
        products: records.map((r) => optionalIdOrNull(f.raw(r, 'product'))),
      }),
      async writePage(ctx, records) {
        const rows = mapEach(ctx, records, (r) => {
          const { partner, currency } = creditedPartner(ctx, f, r, 'partner', 'currency');
          const contactOid = optionalId(f.raw(r, 'contact'), 'contact');
          const productOid = optionalId(f.raw(r, 'product'), 'product');
          return {
            ontraport_id: recordId(r),
            partner_id: partner.id,
            contact_id: contactOid === null ? null : (ctx.lookups.contacts.get(contactOid) ?? null),
            product_id: productOid === null ? null : (ctx.lookups.products.get(productOid) ?? null),
            status: statusOf(f.raw(r, 'status')),
            amount_cents: cents(f.raw(r, 'amount'), 'amount'),
            commission_cents: optionalCents(f.raw(r, 'commission'), 'commission') ?? 0,
            currency,
            next_charge_at: optionalTime(f.raw(r, 'next'), 'next charge'),
            started_at: requiredTime(f.raw(r, 'started'), 'date'),
            updated_at: optionalTime(f.raw(r, 'dlm'), 'dlm') ?? ctx.marker,
            synced_at: ctx.marker,
          };
        });
        const cols = ['partner_id', 'contact_id', 'product_id', 'status', 'amount_cents', 'commission_cents', 'currency', 'next_charge_at', 'started_at', 'updated_at', 'synced_at'];
        await upsertMirrored(ctx.trx, 'open_orders', rows, cols);
        return rows.length;
      },
      ...mirrorHelpers('open_orders'),
    };
  },
};
