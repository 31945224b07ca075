/**
 * `partner_events` and `notification_prefs`: the only notification code that touches kysely. Functions take the
 * database or the caller's transaction first, so an event is recorded in the same transaction as the change
 * it reports (a sync page, a payout) and never without it.
 */
import type { Selectable } from 'kysely';
import type { Db, PartnerEventKind, PartnerEventTable } from '../store/index.js';

export type { Db };

export interface NewPartnerEvent {
  partnerId: number;
  kind: PartnerEventKind;
  subjectId: number;
  amountCents: number;
  currency: string;
  at: number;
}

/** The event's key: one event per kind and commission or payout, whoever records it how often. */
export const eventKey = (e: Pick<NewPartnerEvent, 'kind' | 'subjectId'>) => `${e.kind}:${e.subjectId}`;

/** Records events; a key already recorded is left as it is. Returns how many were new. */
export async function recordEvents(db: Db, events: readonly NewPartnerEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const r = await db
    .insertInto('partner_events')
    .values(events.map((e) => ({ event_key: eventKey(e), partner_id: e.partnerId, kind: e.kind, subject_id: e.subjectId, amount_cents: e.amountCents, currency: e.currency, at: e.at, delivered_at: null, delivery: null })))
    .onConflict((oc) => oc.column('event_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** An event not delivered yet, with the partner's address and choices (null choices: no row, the defaults). */
export type UndeliveredEvent = Pick<Selectable<PartnerEventTable>, 'id' | 'event_key' | 'partner_id' | 'kind' | 'subject_id' | 'amount_cents' | 'currency' | 'at'> & {
  email: string | null;
  /** The partner's chosen language and zone (null: English, UTC), for the email's words and dates. */
  locale: string | null;
  time_zone: string | null;
  new_commission: number | null;
  approved: number | null;
  payout: number | null;
  digest: number | null;
};

/** Events not delivered yet, oldest first, with the partner's choices and address (sign-in email, else contact email). */
function undelivered(db: Db, digest: boolean, limit: number) {
  return db
    .selectFrom('partner_events as e')
    .innerJoin('partners as p', 'p.id', 'e.partner_id')
    .leftJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('notification_prefs as n', 'n.partner_id', 'e.partner_id')
    .select(['e.id', 'e.event_key', 'e.partner_id', 'e.kind', 'e.subject_id', 'e.amount_cents', 'e.currency', 'e.at', 'p.locale', 'p.time_zone', 'n.new_commission', 'n.approved', 'n.payout', 'n.digest'])
    .select((eb) =>
      eb.fn
        .coalesce(
          eb.selectFrom('accounts as a').select('a.email').whereRef('a.partner_id', '=', 'e.partner_id').where('a.disabled_at', 'is', null).orderBy('a.id').limit(1),
          'c.email',
        )
        .as('email'),
    )
    .where('e.delivered_at', 'is', null)
    .where((eb) => (digest ? eb('n.digest', '=', 1) : eb.or([eb('n.digest', 'is', null), eb('n.digest', '=', 0)])))
    .orderBy('e.id')
    .limit(limit)
    .execute() as Promise<UndeliveredEvent[]>;
}

/** Undelivered events of partners who get each event by its own email. */
export const undeliveredEvents = (db: Db, limit: number) => undelivered(db, false, limit);
/** Undelivered events of partners who chose the daily digest. */
export const undeliveredDigestEvents = (db: Db, limit: number) => undelivered(db, true, limit);

export async function markDelivered(db: Db, ids: readonly number[], delivery: 'email' | 'digest' | 'off' | 'none', at: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('partner_events').set({ delivered_at: at, delivery }).where('id', 'in', [...ids]).where('delivered_at', 'is', null).execute();
}

export interface NotificationPrefs {
  newCommission: boolean;
  approved: boolean;
  payout: boolean;
  digest: boolean;
}

export const DEFAULT_PREFS: NotificationPrefs = { newCommission: true, approved: true, payout: true, digest: false };

export async function readPrefs(db: Db, partnerId: number): Promise<NotificationPrefs> {
  const r = await db.selectFrom('notification_prefs').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
  if (!r) return { ...DEFAULT_PREFS };
  return { newCommission: r.new_commission === 1, approved: r.approved === 1, payout: r.payout === 1, digest: r.digest === 1 };
}

export async function writePrefs(db: Db, partnerId: number, p: NotificationPrefs, now: number): Promise<void> {
  const row = { new_commission: p.newCommission ? 1 : 0, approved: p.approved ? 1 : 0, payout: p.payout ? 1 : 0, digest: p.digest ? 1 : 0, updated_at: now };
  await db
    .insertInto('notification_prefs')
    .values({ partner_id: partnerId, ...row })
    .onConflict((oc) => oc.column('partner_id').doUpdateSet(row))
    .execute();
}

/** Ids of commissions already known, with their status, among `ontraportIds` (to see transitions). */
export async function knownCommissionStatuses(db: Db, ontraportIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ontraportIds.length === 0) return out;
  const rows = await db.selectFrom('commissions').select(['ontraport_id', 'status']).where('ontraport_id', 'in', [...ontraportIds]).execute();
  for (const r of rows) out.set(Number(r.ontraport_id), r.status);
  return out;
}

/** Our ids and details of commissions by Ontraport id (after an upsert). */
export async function commissionsByOntraportId(db: Db, ontraportIds: readonly number[]) {
  if (ontraportIds.length === 0) return [];
  return db
    .selectFrom('commissions')
    .select(['id', 'ontraport_id', 'partner_id', 'status', 'kind', 'amount_cents', 'currency', 'transaction_at', 'processed_at'])
    .where('ontraport_id', 'in', [...ontraportIds])
    .execute();
}

/** Has a sync of this object type ever completed? (The first one is a backfill: it notifies nobody.) */
export async function syncCompletedBefore(db: Db, objectType: string): Promise<boolean> {
  const r = await db.selectFrom('sync_state').select('last_completed_at').where('object_type', '=', objectType).executeTakeFirst();
  return r?.last_completed_at != null;
}

