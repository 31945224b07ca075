/**
 * The audit log: who did what, to which partner, from where. Every writer of `audit_log` calls `recordAudit`;
 * rows never hold a password, token or code (a token appears at most as the first characters of its hash).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';

export interface AuditEntry {
  /** `<area>.<what happened>`, e.g. `auth.sign_in`, `credentials.revoked`, `export.masspay`. */
  action: string;
  at: number;
  /** The account that acted (its session); null for the CLI, background jobs and refused sign-ins. */
  actorAccountId?: number | null;
  /** The partner the event concerns. */
  partnerId?: number | null;
  details?: unknown;
  ip?: string | null;
  requestId?: string | null;
}

export async function recordAudit(db: Kysely<Database> | Transaction<Database>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: e.at,
      actor_account_id: e.actorAccountId ?? null,
      partner_id: e.partnerId ?? null,
      action: e.action,
      details_json: e.details === undefined ? null : JSON.stringify(e.details),
      ip: e.ip?.slice(0, 64) ?? null,
      request_id: e.requestId ?? null,
    })
    .execute();
}
