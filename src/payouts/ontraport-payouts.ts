/**
 * Payouts learnt from Ontraport. Its "Pay partner" step marks commissions paid (and moves no money); the sync
 * mirrors that status and `date paid`. Ontraport's documented API exposes no payment or batch id on a
 * commission (the fields of object 38 in objects/meta hold none), so the commissions one payment covers are
 * recognised as those of one partner, in one currency, paid on the same UTC day. Each group is one payout.
 *
 * Idempotent: a commission is grouped only while no payout covers it, and the payout's source key (partner,
 * day, currency and the group's first commission id) is unique, so a re-sync, a crash before the commit, or a
 * second process finds nothing left to do. A commission Ontraport marks paid later forms a new payout; it
 * never joins one already recorded (a payout a partner has seen does not change).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { insertPayoutOnce, linkCommissions, partnersWithUncoveredPaid, uncoveredPaidCommissions, type PaidCommission } from './payouts.repo.js';
import { recordEvents } from '../notifications/events.repo.js';

const DAY_MS = 86_400_000;
const PARTNERS_PER_TRANSACTION = 200;

export interface GroupedPayouts {
  /** Payouts recorded by this call. */
  payouts: number;
  commissions: number;
  /** Groups left alone because they add up to zero or less (clawbacks alone are deducted, not paid). */
  notPositive: number;
}

/**
 * Groups every paid commission no payout covers into payouts, with a `payout_sent` event each, 200 partners
 * per transaction (a payout, its commissions' links and its event are written together or not at all).
 */
export async function groupPaidCommissions(db: Kysely<Database>, opts: { now: number }): Promise<GroupedPayouts> {
  const total: GroupedPayouts = { payouts: 0, commissions: 0, notPositive: 0 };
  let after = 0;
  for (;;) {
    const partners = await partnersWithUncoveredPaid(db, after, PARTNERS_PER_TRANSACTION);
    if (partners.length === 0) break;
    after = partners[partners.length - 1]!;
    await db.transaction().execute(async (trx) => {
      for (const group of groupsOf(await uncoveredPaidCommissions(trx, partners))) {
        const sum = group.reduce((s, c) => s + Number(c.amount_cents), 0);
        if (sum <= 0) {
          total.notPositive++;
          continue;
        }
        const first = group[0]!;
        const day = new Date(Math.floor(Number(first.paid_at) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
        const paidAt = Math.max(...group.map((c) => Number(c.paid_at)));
        const payoutId = await insertPayoutOnce(trx, {
          partnerId: first.partner_id, amountCents: sum, currency: first.currency, method: 'ontraport', reference: `paid ${day}`, paidAt,
          source: 'ontraport', sourceKey: `ontraport:${first.partner_id}:${day}:${first.currency}:${first.id}`, now: opts.now,
        });
        if (payoutId === null) continue;
        total.commissions += await linkCommissions(trx, payoutId, first.partner_id, group.map((c) => c.id));
        await recordEvents(trx, [{ partnerId: first.partner_id, kind: 'payout_sent', subjectId: payoutId, amountCents: sum, currency: first.currency, at: paidAt }]);
        total.payouts++;
      }
    });
  }
  return total;
}

/** Consecutive rows (sorted by partner, currency, paid time) of one partner, currency and UTC day. */
function* groupsOf(rows: readonly PaidCommission[]): Generator<PaidCommission[]> {
  let current: PaidCommission[] = [];
  let key = '';
  for (const r of rows) {
    const k = `${r.partner_id}|${r.currency}|${Math.floor(Number(r.paid_at) / DAY_MS)}`;
    if (k !== key && current.length) {
      yield current;
      current = [];
    }
    key = k;
    current.push(r);
  }
  if (current.length) yield current;
}
