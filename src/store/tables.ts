/**
 * Table types for kysely. Times are UTC epoch milliseconds (`*_at`), money is integer cents plus an ISO 4217
 * currency, booleans are 0/1 integers, JSON is text: the same rows on SQLite and PostgreSQL.
 * Records that come from Ontraport keep its id in `ontraport_id` (null for rows made here, e.g. demo data
 * without a source); Partnergate's own `id` is what every foreign key uses.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

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

export type CommissionStatus = 'pending' | 'approved' | 'paid' | 'declined' | 'refunded';
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
}

export interface AccountTable {
  id: Id;
  partner_id: number | null;
  email: string;
  role: 'partner' | 'admin';
  password_hash: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  /** JSON array of argon2id hashes of unused recovery codes. */
  totp_recovery_json: string | null;
  oidc_subject: string | null;
  created_at: Ms;
  password_changed_at: Ms | null;
  disabled_at: Ms | null;
  /** Generation of the "new credentials" email (outbox key `credentials:account:<id>:v<n>`; migration 0800). */
  credentials_version: Generated<number>;
  /** Last TOTP time step accepted, so a code is never accepted twice (migration 0400). */
  totp_last_step: number | null;
}

export interface SessionTable {
  /** sha256 of the cookie value: a stolen database does not yield live cookies. */
  id_hash: string;
  account_id: number;
  auth_method: 'password' | 'oidc' | 'wordpress' | 'credential_link';
  csrf_secret: string;
  created_at: Ms;
  last_seen_at: Ms;
  idle_expires_at: Ms;
  absolute_expires_at: Ms;
  /** When the partner last proved it is them (password or OIDC); guards PayPal changes. */
  reauth_at: Ms;
  oidc_sid: string | null;
  oidc_sub: string | null;
  /** JSON: id token (for RP-initiated logout) and refresh token. */
  oidc_tokens_json: string | null;
  totp_pending: number;
  ip: string | null;
  user_agent: string | null;
}

export interface OneTimeTokenTable {
  id: Id;
  token_hash: string;
  purpose: 'set_password' | 'reset_password' | 'paypal_confirm' | 'wp_handoff' | 'oidc_state' | 'email_confirm';
  account_id: number | null;
  payload_json: string | null;
  created_at: Ms;
  expires_at: Ms;
  used_at: Ms | null;
}

export interface ThrottleTable {
  key: string;
  window_start: Ms;
  count: number;
}

export interface AuditLogTable {
  id: Id;
  at: Ms;
  actor_account_id: number | null;
  partner_id: number | null;
  action: string;
  details_json: string | null;
  ip: string | null;
  request_id: string | null;
}

export interface EmailOutboxTable {
  id: Id;
  /** The same logical email (e.g. `credentials:partner:42:v1`) is queued once, whoever asks twice. */
  idempotency_key: string;
  to_address: string;
  template: string;
  params_json: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  created_at: Ms;
  next_attempt_at: Ms;
  sent_at: Ms | null;
}

export interface OntraportOutboxTable {
  id: Id;
  idempotency_key: string;
  object_type: number;
  record_id: number;
  fields_json: string;
  status: 'queued' | 'done' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Ms;
  next_attempt_at: Ms;
  done_at: Ms | null;
}

export interface SyncStateTable {
  object_type: string;
  /** Highest `dlm` (Unix seconds) fully stored; the next incremental run asks for records after it. */
  last_dlm: number;
  /** Paging position of a run in progress, so a crash resumes where it stopped. */
  resume_start: number;
  run_kind: 'full' | 'incremental' | null;
  run_started_at: Ms | null;
  last_completed_at: Ms | null;
  stats_json: string | null;
}

export interface JobLeaseTable {
  name: string;
  holder: string;
  expires_at: Ms;
}

export interface MigrationJournalTable {
  situation: string;
  step: string;
  item_key: string;
  status: 'done' | 'failed' | 'skipped';
  details_json: string | null;
  at: Ms;
}

/** A WordPress user read from the legacy site by a migration, and the partner it was matched to (migration 0800). */
export interface LegacyWpUserTable {
  wp_user_id: number;
  login: string;
  email: string | null;
  display_name: string | null;
  roles_json: string;
  /** JSON: the PilotPress usermeta the export returned. */
  meta_json: string;
  partner_id: number | null;
  match_status: 'matched' | 'unmatched' | 'not_partner' | 'duplicate_email' | 'bad_email';
  match_reason: string | null;
  imported_at: Ms;
  /** wp-shim's export said the user is a partner on the old site (migration 0801). */
  is_partner: Generated<number>;
}

/** A SubID a partner used in the legacy partner center, carried over by a migration (migration 0800). */
export interface PartnerSubIdTable {
  partner_id: number;
  sub_id: string;
  source: string;
  created_at: Ms;
}

export interface KvTable {
  key: string;
  value_json: string;
  updated_at: Ms;
}

/** Per-partner value of a ranked rollup (migration 0700): the leaderboard snapshot. */
export interface RollupValueTable {
  ranking_key: string;
  partner_id: number;
  program_id: number;
  /** The partner's tier ladder (`tier_group`, or `#program:<id>` for a program outside any ladder). */
  ladder: string;
  value: number;
}

/** When a ranking's snapshot was computed, against which data version (migration 0700). */
export interface RollupSnapshotTable {
  ranking_key: string;
  rollup: string;
  /** Local date the "N days before today" conditions were resolved on; null when the rollup has none. */
  as_of: string | null;
  data_version: string;
  refreshed_at: Ms;
  duration_ms: number;
  row_count: number;
}

/** A level change made by the tier rules (migration 0700): state and audit, one per partner and program. */
export interface TierUpgradeTable {
  id: Id;
  partner_id: number;
  tier_group: string;
  rule: string;
  from_program_id: number;
  to_program_id: number;
  to_level: number;
  value: number;
  ontraport_key: string | null;
  email_key: string | null;
  at: Ms;
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
