/**
 * The earnings ledger (docs/domain.md): commissions earned (approved or paid sales, on the day processed),
 * refunds and clawbacks (negative), and payments (payouts, negative), in date order with a running balance
 * = earned so far - paid out so far.
 *
 * A sale refunded before payout was never earned, yet partners must see it: it appears as its commission
 * (+X) and the refund (-X) on the same day, so the balance column always equals the running sum of the
 * amount column and is unchanged by the pair.
 */
import type { Db, MsRange } from './repos/db.js';
import { earnedSince, ledgerCommissionsIn, namesFor, paidOutBefore, payoutsIn } from './repos/ledger.repo.js';
import { allTimeTotalsByStatus, moneyTotals } from './dashboard.js';
import type { PageRequest } from './paging.js';
import { MAX_PAGE } from './paging.js';

export type LedgerEntryType = 'commission' | 'refund' | 'clawback' | 'payment';

export interface LedgerEntry {
  at: number;
  type: LedgerEntryType;
  label: string;
  detail: string;
  amountCents: number;
  balanceCents: number;
  /** For commissions: the row's status (paid / approved / refunded). */
  status?: string;
  /** For payments: the payout, whose statement lists the commissions it paid. */
  payoutId?: number;
  /** For payments: how and with which reference it was paid (pages label the entry in the reader's language). */
  method?: string;
  reference?: string | null;
  productId?: number | null;
}

export interface Ledger {
  openingCents: number;
  closingCents: number;
  totals: { commissionsCents: number; refundsCents: number; clawbacksCents: number; paymentsCents: number };
  /** Entries of the requested page, newest first. */
  entries: LedgerEntry[];
  entryCount: number;
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  pastEnd: boolean;
  /** The range holds more rows than one page view reads; the partner is asked to narrow it. */
  truncated: boolean;
}

/** Rows read per range at most: a sane bound for one page view (the CSV exports have no such bound). */
export const LEDGER_MAX_ROWS = 20_000;

const typeOrder: Record<LedgerEntryType, number> = { commission: 0, refund: 1, clawback: 2, payment: 3 };

/** @param q.maxRows rows read at most (default LEDGER_MAX_ROWS); more makes `truncated` with no entries. */
export async function earningsLedger(db: Db, q: { partnerId: number; range: MsRange; page: PageRequest; maxRows?: number }): Promise<Ledger> {
  const maxRows = q.maxRows ?? LEDGER_MAX_ROWS;
  const [allTime, earnedFromStart, paidOut, commissions, payouts] = await Promise.all([
    allTimeTotalsByStatus(db, q.partnerId),
    earnedSince(db, q.partnerId, q.range.startMs),
    paidOutBefore(db, q.partnerId, q.range.startMs),
    ledgerCommissionsIn(db, q.partnerId, q.range, maxRows + 1),
    payoutsIn(db, q.partnerId, q.range, maxRows + 1),
  ]);
  const openingCents = moneyTotals(allTime).earnedCents - earnedFromStart - paidOut;
  const totals = { commissionsCents: 0, refundsCents: 0, clawbacksCents: 0, paymentsCents: 0 };
  if (commissions.length > maxRows || payouts.length > maxRows) {
    // A partial ledger would show wrong balances: show none and ask for a shorter range.
    return { openingCents, closingCents: openingCents, totals, entries: [], entryCount: 0, page: 1, hasPrev: false, hasNext: false, pastEnd: false, truncated: true };
  }
  type Raw = Omit<LedgerEntry, 'balanceCents' | 'detail'> & { id: number; contactId: number | null };
  const raw: Raw[] = [];
  for (const c of commissions) {
    const at = c.processed_at ?? c.transaction_at;
    const base = { at, id: c.id, contactId: c.contact_id, productId: c.product_id };
    if (c.kind === 'clawback') {
      raw.push({ ...base, type: 'clawback', label: 'Clawback', amountCents: c.amount_cents, status: c.status });
    } else if (c.status === 'refunded') {
      raw.push({ ...base, type: 'commission', label: 'Commission', amountCents: c.amount_cents, status: 'refunded' });
      raw.push({ ...base, type: 'refund', label: 'Refund', amountCents: -c.amount_cents, status: 'refunded' });
    } else {
      raw.push({ ...base, type: 'commission', label: 'Commission', amountCents: c.amount_cents, status: c.status });
    }
  }
  for (const p of payouts) {
    raw.push({ at: p.paid_at, id: p.id, payoutId: p.id, method: p.method, reference: p.reference, contactId: null, productId: null, type: 'payment', label: `Payment (${p.method}${p.reference ? ` ${p.reference}` : ''})`, amountCents: -p.amount_cents });
  }
  raw.sort((a, b) => a.at - b.at || typeOrder[a.type] - typeOrder[b.type] || a.id - b.id);

  let balance = openingCents;
  const withBalance = raw.map((e) => {
    balance += e.amountCents;
    if (e.type === 'commission') totals.commissionsCents += e.amountCents;
    else if (e.type === 'refund') totals.refundsCents += e.amountCents;
    else if (e.type === 'clawback') totals.clawbacksCents += e.amountCents;
    else totals.paymentsCents += e.amountCents;
    return { ...e, balanceCents: balance };
  });
  const newestFirst = withBalance.reverse();
  const page = Math.min(Math.max(1, q.page.page), MAX_PAGE);
  const start = (page - 1) * q.page.size;
  const slice = newestFirst.slice(start, start + q.page.size);
  const names = await namesFor(
    db,
    [...new Set(slice.map((e) => e.contactId).filter((v): v is number => v !== null))],
    [...new Set(slice.map((e) => e.productId).filter((v): v is number => typeof v === 'number'))],
  );
  const entries: LedgerEntry[] = slice.map(({ id: _id, contactId, ...e }) => ({
    ...e,
    detail: [e.productId != null ? names.products.get(e.productId) : undefined, contactId !== null ? names.contacts.get(contactId) : undefined].filter(Boolean).join(' · '),
  }));
  return {
    openingCents,
    closingCents: balance,
    totals,
    entries,
    entryCount: newestFirst.length,
    page,
    hasPrev: page > 1,
    hasNext: start + q.page.size < newestFirst.length,
    pastEnd: slice.length === 0 && page > 1,
    truncated: false,
  };
}
