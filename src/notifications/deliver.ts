/**
 * Turns recorded partner events into email through the outbox: one email per event (outbox key
 * `notify:<event key>`, so no event is ever mailed twice, whoever delivers it and however often), or, for
 * partners who chose the digest, at most one email a day (key `digest:<partner>:<UTC day>`) listing every event
 * not yet delivered. A kind the partner turned off is marked delivered as `off` and never sent later.
 * Each batch (events read, emails queued, events marked) is one transaction: an event is marked delivered
 * exactly when its email is queued.
 */
import type { Kysely } from 'kysely';
import { formatLocal, formatMoney, type DataKeyring } from '../common/index.js';
import { DEFAULT_LOCALE, recipientLocale } from '../i18n/index.js';
import { IANAZone } from 'luxon';
import { queueEmails, type QueueEmailInput } from '../mail/index.js';
import type { Database, PartnerEventKind } from '../store/index.js';
import { markDelivered, undeliveredDigestEvents, undeliveredEvents, type UndeliveredEvent } from './events.repo.js';

export interface DeliverDeps {
  db: Kysely<Database>;
  /** Seals the queued emails' parameters like every other outbox row (null: stored as JSON). */
  keys: DataKeyring | null;
  /** The gateway's public URL, for links to the partner center. */
  publicUrl?: string;
  now: () => number;
}

export interface DeliverResult {
  emails: number;
  digests: number;
  off: number;
  noAddress: number;
}

const TEMPLATES: Record<PartnerEventKind, string> = {
  commission_new: 'partner-commission-new',
  commission_approved: 'partner-commission-approved',
  payout_sent: 'partner-payout-sent',
};

const wanted = (e: UndeliveredEvent): boolean =>
  e.kind === 'commission_new' ? e.new_commission !== 0 : e.kind === 'commission_approved' ? e.approved !== 0 : e.payout !== 0;

/**
 * An event's email parameters in the partner's language: money in its notation; the day as `YYYY-MM-DD` (UTC) in
 * English, as before, and as a local date in the partner's zone in other languages (`1. März 2026`).
 */
function eventParams(e: UndeliveredEvent, publicUrl: string | undefined) {
  const center = publicUrl ? `${publicUrl}/partner-center` : undefined;
  const locale = recipientLocale(e.locale);
  return {
    locale,
    kind: e.kind,
    amount: formatMoney(Number(e.amount_cents), e.currency, locale),
    when: locale === DEFAULT_LOCALE ? new Date(Number(e.at)).toISOString().slice(0, 10) : formatLocal(Number(e.at), validZone(e.time_zone), false, locale),
    link: center ? (e.kind === 'payout_sent' ? `${center}/payouts/${e.subject_id}` : `${center}/commissions`) : undefined,
    settingsUrl: center ? `${center}/settings#notifications` : undefined,
  };
}

const validZone = (zone: string | null) => (zone && IANAZone.isValidZone(zone) ? zone : 'UTC');

/** Delivers every undelivered event (immediate emails first, then due digests). */
export async function deliverNotifications(deps: DeliverDeps, opts: { batch?: number } = {}): Promise<DeliverResult> {
  const result: DeliverResult = { emails: 0, digests: 0, off: 0, noAddress: 0 };
  const batch = opts.batch ?? 200;
  for (;;) {
    const n = await deps.db.transaction().execute(async (trx) => {
      const events = await undeliveredEvents(trx, batch);
      const now = deps.now();
      const off = events.filter((e) => !wanted(e));
      const none = events.filter((e) => wanted(e) && !e.email);
      const send = events.filter((e) => wanted(e) && e.email);
      const inputs: QueueEmailInput[] = send.map((e) => ({ idempotencyKey: `notify:${e.event_key}`, to: e.email!, template: TEMPLATES[e.kind], params: eventParams(e, deps.publicUrl) }));
      if (inputs.length) await queueEmails(trx, deps.keys, inputs, now);
      await markDelivered(trx, off.map((e) => e.id), 'off', now);
      await markDelivered(trx, none.map((e) => e.id), 'none', now);
      await markDelivered(trx, send.map((e) => e.id), 'email', now);
      result.emails += send.length;
      result.off += off.length;
      result.noAddress += none.length;
      return events.length;
    });
    if (n < batch) break;
  }
  const digests = await deliverDigests(deps);
  result.digests = digests.sent;
  result.off += digests.off;
  result.noAddress += digests.noAddress;
  return result;
}

/** One digest per partner and UTC day, listing the events not delivered yet; later events wait for the next day. */
async function deliverDigests(deps: DeliverDeps): Promise<{ sent: number; off: number; noAddress: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const byPartner = new Map<number, UndeliveredEvent[]>();
    for (const e of await undeliveredDigestEvents(trx, 5_000)) {
      const list = byPartner.get(e.partner_id) ?? [];
      list.push(e);
      byPartner.set(e.partner_id, list);
    }
    const counts = { sent: 0, off: 0, noAddress: 0 };
    for (const [partnerId, events] of byPartner) {
      const off = events.filter((e) => !wanted(e));
      await markDelivered(trx, off.map((e) => e.id), 'off', now);
      counts.off += off.length;
      const keep = events.filter((e) => wanted(e));
      if (keep.length === 0) continue;
      const to = keep[0]!.email;
      if (!to) {
        await markDelivered(trx, keep.map((e) => e.id), 'none', now);
        counts.noAddress += keep.length;
        continue;
      }
      const queued = await queueEmails(trx, deps.keys, [{
        idempotencyKey: `digest:${partnerId}:${day}`, to, template: 'partner-digest',
        params: { locale: recipientLocale(keep[0]!.locale), day, items: keep.map((e) => ({ ...eventParams(e, deps.publicUrl), [e.kind]: true })), count: keep.length, partnerCenterUrl: deps.publicUrl ? `${deps.publicUrl}/partner-center/` : undefined, settingsUrl: deps.publicUrl ? `${deps.publicUrl}/partner-center/settings#notifications` : undefined },
      }], now);
      // Today's digest went out already: these wait for tomorrow's.
      if (queued.size === 0) continue;
      await markDelivered(trx, keep.map((e) => e.id), 'digest', now);
      counts.sent++;
    }
    return counts;
  });
}
