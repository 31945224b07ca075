/**
 * Table types of Partnergate's own operational rows (sign-in, outboxes, sync and job state, migrations, blocks
 * snapshots), split from the domain tables in `tables.ts`, which assembles both into `Database`. Same
 * conventions: UTC epoch ms, integer cents, 0/1 booleans, JSON as text.
 */
import type { Generated } from 'kysely';

type Id = Generated<number>;
type Ms = number;
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
  /** WordPress user id bound by the first hand-off into this account (migration 2026-12-06-0900). */
  wp_user_id: Generated<string | null>;
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
