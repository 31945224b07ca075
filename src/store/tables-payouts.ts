/**
 * Table types of payouts from real sources and partner notifications (migration 2026-12-07-0100); assembled
 * into `Database` by `tables.ts`. Same conventions: UTC epoch ms, integer cents, 0/1 booleans, JSON as text.
 */
import type { Generated } from 'kysely';

type Id = Generated<number>;
type Ms = number;

/** One MassPay file as written: its id is in every row's "unique id" column (`<batch_key>-<partner id>`). */
export interface MassPayBatchTable {
  id: Id;
  batch_key: string;
  currency: string;
  created_at: Ms;
  created_by: number | null;
  /** When a PayPal result file for it was last confirmed. */
  confirmed_at: Ms | null;
}

/** One row of a MassPay file: what one partner was to be paid, and which commissions that covers. */
export interface MassPayItemTable {
  id: Id;
  batch_id: number;
  item_key: string;
  partner_id: number;
  paypal_email: string;
  amount_cents: number;
  currency: string;
  /** JSON array of commission ids the amount is the sum of. */
  commission_ids_json: string;
  /** open: not confirmed yet; paid: a payout was recorded; failed: PayPal reported it not paid (stays unpaid). */
  status: Generated<'open' | 'paid' | 'failed'>;
  /** PayPal's status word for the row, as the result file gave it. */
  paypal_status: string | null;
  payout_id: number | null;
  updated_at: Ms;
}

export type PartnerEventKind = 'commission_new' | 'commission_approved' | 'payout_sent';

/** Something that happened to a partner's money; the notifier delivers each row once (email or digest). */
export interface PartnerEventTable {
  id: Id;
  /** `<kind>:<subject id>`: an event is recorded once however often a sync sees it. */
  event_key: string;
  partner_id: number;
  kind: PartnerEventKind;
  /** The commission's or payout's id. */
  subject_id: number;
  amount_cents: number;
  currency: string;
  at: Ms;
  delivered_at: Ms | null;
  /** email: its own email; digest: in a daily digest; off: the partner turned this kind off; none: no address. */
  delivery: 'email' | 'digest' | 'off' | 'none' | null;
}

/** A partner's notification choices; no row means every kind on and no digest. */
export interface NotificationPrefsTable {
  partner_id: number;
  new_commission: number;
  approved: number;
  payout: number;
  digest: number;
  updated_at: Ms;
}
