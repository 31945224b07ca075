/** Audit rows for sign-in events (who, what, from where; never a password, token or code). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditEntry {
  action: string;
  accountId?: number | null;
  partnerId?: number | null;
  details?: Record<string, unknown>;
  ip?: string | null;
  requestId?: string | null;
  at: number;
}

export async function insertAudit(db: Db, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: e.at,
      actor_account_id: e.accountId ?? null,
      partner_id: e.partnerId ?? null,
      action: e.action,
      details_json: e.details ? JSON.stringify(e.details) : null,
      ip: e.ip?.slice(0, 64) ?? null,
      request_id: e.requestId ?? null,
    })
    .execute();
}
