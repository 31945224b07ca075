/**
 * The events a sync page means for partners: a sale commission seen for the first time (`commission_new`), a
 * commission now approved that was not before (`commission_approved`; a commission first seen already approved
 * gets only this one). Nothing is recorded while the commissions have never been synced to the end: the first
 * import is history, not news.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import { commissionsByOntraportId, knownCommissionStatuses, recordEvents, syncCompletedBefore, type NewPartnerEvent } from './events.repo.js';

/**
 * Call with the page's Ontraport ids before its upsert; the returned function, called after the upsert in the
 * same transaction, records the events the page's changes make.
 */
export async function commissionEvents(trx: Transaction<Database>, ontraportIds: readonly number[]): Promise<() => Promise<number>> {
  if (!(await syncCompletedBefore(trx, 'commissions'))) return async () => 0;
  const before = await knownCommissionStatuses(trx, ontraportIds);
  return async () => {
    const events: NewPartnerEvent[] = [];
    for (const c of await commissionsByOntraportId(trx, ontraportIds)) {
      if (c.kind !== 'sale') continue;
      const was = before.get(Number(c.ontraport_id));
      const base = { partnerId: c.partner_id, subjectId: c.id, amountCents: Number(c.amount_cents), currency: c.currency };
      if (c.status === 'approved' && was !== 'approved' && was !== 'paid') events.push({ ...base, kind: 'commission_approved', at: Number(c.processed_at ?? c.transaction_at) });
      else if (was === undefined && (c.status === 'pending' || c.status === 'paid')) events.push({ ...base, kind: 'commission_new', at: Number(c.transaction_at) });
    }
    return recordEvents(trx, events);
  };
}
