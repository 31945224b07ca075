/**
 * Table types of partner API keys and erased partners (migration 2026-12-07-0200); assembled into `Database`
 * by `tables.ts`. Same conventions: UTC epoch ms, 0/1 booleans.
 */
import type { Generated } from 'kysely';

type Ms = number;

/** A partner's read-only API key: `pgk_<key_id>_<secret>`, of which only the sha256 is kept. */
export interface ApiKeyTable {
  id: Generated<number>;
  /** The short, non-secret part of the key: how a presented key finds its row. */
  key_id: string;
  /** sha256 (hex) of the whole key as the partner holds it. */
  key_hash: string;
  account_id: number;
  partner_id: number;
  name: string;
  created_at: Ms;
  /** Updated at most once a minute per key. */
  last_used_at: Ms | null;
  revoked_at: Ms | null;
}

/** An erased partner: the sync leaves a contact with this Ontraport id alone. */
export interface PartnerErasureTable {
  partner_id: number;
  contact_ontraport_id: number | null;
  erased_at: Ms;
  /** The administrator's account; null for the CLI. */
  erased_by: number | null;
}
