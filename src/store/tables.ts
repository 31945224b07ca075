/**
 * Table types for kysely. Times are UTC epoch milliseconds (`*_at`), money is integer cents plus an ISO 4217
 * currency, booleans are 0/1 integers, JSON is text: the same rows on SQLite and PostgreSQL.
 * Records that come from Ontraport keep its id in `ontraport_id` (null for rows made here, e.g. demo data
 * without a source); Partnergate's own `id` is what every foreign key uses.
 */
import type { CommissionStatus } from './commission-rules.js';
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  AccountTable,
  SessionTable,
  OneTimeTokenTable,
  ThrottleTable,
  AuditLogTable,
  EmailOutboxTable,
  OntraportOutboxTable,
  SyncStateTable,
  JobLeaseTable,
  MigrationJournalTable,
  LegacyWpUserTable,
  PartnerSubIdTable,
  KvTable,
  RollupValueTable,
  RollupSnapshotTable,
  TierUpgradeTable,
} from './tables-operations.js';
import type { MassPayBatchTable, MassPayItemTable, NotificationPrefsTable, PartnerEventTable } from './tables-payouts.js';
import type { ApiKeyTable, PartnerErasureTable } from './tables-partner-api.js';

export type * from './tables-operations.js';
export type * from './tables-payouts.js';
export type * from './tables-partner-api.js';

type Id = Generated<number>;
type Ms = number;

export interface ProgramTable {
  id: Id;
  ontraport_id: number | null;
  name: string;
  currency: string;
  /** Programs of one tier ladder share `tier_group`; `level_order` 1 is the entry level. */
  tier_group: string | null;
  level_order: number;
  /** Commission rate in basis points of the sale (1000 = 10%). */
  rate_bp: number;
  /** JSON: extra commission rules as Ontraport holds them (second level, flat amounts), kept for display. */
  rules_json: string;
  created_at: Ms;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface ContactTable {
  id: Id;
  ontraport_id: number | null;
  first_name: string;
  last_name: string;
  email: string | null;
  first_referrer_id: number | null;
  last_referrer_id: number | null;
  added_at: Ms;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
  /** Ontraport `freferrer` / `lreferrer` as received (partner contact ids), translated into the *_referrer_id columns. */
  first_referrer_ontraport_id: number | null;
  last_referrer_ontraport_id: number | null;
}

export interface PartnerTable {
  id: Id;
  contact_id: number;
  /** The partner's Ontraport contact id: the value of `?orid=` in referral links. */
  referral_code: string;
  program_id: number;
  paypal_email: string | null;
  status: 'active' | 'inactive';
  time_zone: string | null;
  /** The partner's chosen language (a loaded catalogue's tag); null: the browser's, English in emails. */
  locale: string | null;
  /** Shown on leaderboards instead of the name when the partner prefers. */
  alias: string | null;
  created_at: Ms;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface ProductTable {
  id: Id;
  ontraport_id: number | null;
  name: string;
  price_cents: number;
  currency: string;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface PurchaseTable {
  id: Id;
  ontraport_id: number | null;
  contact_id: number;
  product_id: number | null;
  /** The credited partner (Ontraport `oprid`). */
  partner_id: number | null;
  amount_cents: number;
  currency: string;
  status: 'paid' | 'refunded' | 'declined' | 'pending';
  order_id: number | null;
  purchased_at: Ms;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export type { CommissionStatus };
/** sale: earned on a purchase; refund: the sale was refunded before payout (amount reduced);
 *  clawback: refunded after payout, a negative commission deducted from future earnings. */
export type CommissionKind = 'sale' | 'refund' | 'clawback';

export interface CommissionTable {
  id: Id;
  ontraport_id: number | null;
  partner_id: number;
  contact_id: number | null;
  product_id: number | null;
  purchase_id: number | null;
  promo_tool_id: number | null;
  sub_id: string | null;
  kind: CommissionKind;
  status: CommissionStatus;
  amount_cents: number;
  currency: string;
  transaction_at: Ms;
  processed_at: Ms | null;
  paid_at: Ms | null;
  payout_id: number | null;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface PayoutTable {
  id: Id;
  partner_id: number;
  amount_cents: number;
  currency: string;
  method: string;
  reference: string | null;
  paid_at: Ms;
  /** Where the payout was learnt from (migration 2026-12-07-0100): Ontraport's paid commissions, a confirmed MassPay file, or by hand. */
  source: Generated<'ontraport' | 'masspay' | 'manual'>;
  /** The source's own key for this payout: unique, so no source records one payout twice. */
  source_key: Generated<string | null>;
  created_at: Generated<Ms | null>;
}

export interface OpenOrderTable {
  id: Id;
  ontraport_id: number | null;
  partner_id: number;
  contact_id: number | null;
  product_id: number | null;
  status: 'active' | 'cancelled' | 'paused';
  amount_cents: number;
  commission_cents: number;
  currency: string;
  next_charge_at: Ms | null;
  started_at: Ms;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface PromoToolTable {
  id: Id;
  ontraport_id: number | null;
  program_id: number | null;
  kind: 'banner' | 'lightbox' | 'email' | 'link';
  name: string;
  subject: string | null;
  body: string | null;
  image_url: string | null;
  width: number | null;
  height: number | null;
  landing_path: string;
  updated_at: Ms;
  /** Ontraport sync: marker (run start, epoch ms) of the last sync run that saw this row (migration 0200). */
  synced_at: Ms | null;
}

export interface VisitTable {
  id: Id;
  partner_id: number;
  promo_tool_id: number | null;
  sub_id: string | null;
  landing_path: string;
  visited_at: Ms;
  /** UTC day (epoch ms / 86 400 000) of a visit the gateway recorded; NULL for demo and imported rows (migration 1000). */
  visit_day: number | null;
  /** Keyed hash of address + user agent under that day's key: one row per partner, day and visitor (migration 1000). */
  visitor_hash: string | null;
}


export interface Database {
  programs: ProgramTable;
  contacts: ContactTable;
  partners: PartnerTable;
  products: ProductTable;
  purchases: PurchaseTable;
  commissions: CommissionTable;
  payouts: PayoutTable;
  open_orders: OpenOrderTable;
  promo_tools: PromoToolTable;
  visits: VisitTable;
  accounts: AccountTable;
  sessions: SessionTable;
  one_time_tokens: OneTimeTokenTable;
  throttle: ThrottleTable;
  audit_log: AuditLogTable;
  email_outbox: EmailOutboxTable;
  ontraport_outbox: OntraportOutboxTable;
  sync_state: SyncStateTable;
  job_leases: JobLeaseTable;
  migration_journal: MigrationJournalTable;
  kv: KvTable;
  legacy_wp_users: LegacyWpUserTable;
  partner_sub_ids: PartnerSubIdTable;
  rollup_values: RollupValueTable;
  rollup_snapshots: RollupSnapshotTable;
  tier_upgrades: TierUpgradeTable;
  masspay_batches: MassPayBatchTable;
  masspay_items: MassPayItemTable;
  partner_events: PartnerEventTable;
  notification_prefs: NotificationPrefsTable;
  api_keys: ApiKeyTable;
  partner_erasures: PartnerErasureTable;
}

export type Program = Selectable<ProgramTable>;
export type Contact = Selectable<ContactTable>;
export type Partner = Selectable<PartnerTable>;
export type Product = Selectable<ProductTable>;
export type Purchase = Selectable<PurchaseTable>;
export type Commission = Selectable<CommissionTable>;
export type Payout = Selectable<PayoutTable>;
export type OpenOrder = Selectable<OpenOrderTable>;
export type PromoTool = Selectable<PromoToolTable>;
export type Visit = Selectable<VisitTable>;
export type Account = Selectable<AccountTable>;
export type Session = Selectable<SessionTable>;
export type OneTimeToken = Selectable<OneTimeTokenTable>;
export type EmailOutbox = Selectable<EmailOutboxTable>;
export type NewCommission = Insertable<CommissionTable>;
export type NewPartner = Insertable<PartnerTable>;
export type NewContact = Insertable<ContactTable>;
export type AccountUpdate = Updateable<AccountTable>;
export type { ColumnType };
