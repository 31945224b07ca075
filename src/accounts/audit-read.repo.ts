/**
 * Reading the audit log and sign-in facts for the admin area: the log with filters (newest first), each partner's
 * last sign-in, a partner's sign-in accounts. Reads only.
 */
import type { Database, Kysely } from '../store/index.js';

type Db = Kysely<Database>;

export interface AuditFilter {
  /** An exact action (`admin.view_as_started`) or a prefix ending in a dot (`admin.`). */
  action?: string;
  actorEmail?: string;
  partnerId?: number;
  /** Epoch ms, inclusive. */
  fromMs?: number;
  /** Epoch ms, exclusive. */
  toMs?: number;
}

export interface AuditRow {
  id: number;
  at: number;
  action: string;
  actor_email: string | null;
  actor_account_id: number | null;
  partner_id: number | null;
  details_json: string | null;
  ip: string | null;
  request_id: string | null;
}

function filtered(db: Db, f: AuditFilter) {
  let q = db.selectFrom('audit_log as a').leftJoin('accounts as ac', 'ac.id', 'a.actor_account_id');
  if (f.action) q = f.action.endsWith('.') ? q.where('a.action', 'like', `${f.action.replace(/[%_]/g, '')}%`) : q.where('a.action', '=', f.action);
  if (f.actorEmail) q = q.where('ac.email', '=', f.actorEmail);
  if (f.partnerId !== undefined) q = q.where('a.partner_id', '=', f.partnerId);
  if (f.fromMs !== undefined) q = q.where('a.at', '>=', f.fromMs);
  if (f.toMs !== undefined) q = q.where('a.at', '<', f.toMs);
  return q.select(['a.id', 'a.at', 'a.action', 'ac.email as actor_email', 'a.actor_account_id', 'a.partner_id', 'a.details_json', 'a.ip', 'a.request_id']).orderBy('a.id', 'desc');
}

/** One page (one row more than asked: the caller knows whether there is a next page). */
export async function listAudit(db: Db, f: AuditFilter, page: { offset: number; size: number }): Promise<AuditRow[]> {
  return filtered(db, f).offset(page.offset).limit(page.size + 1).execute();
}

/** Every matching row, streamed (the CSV export). */
export function streamAudit(db: Db, f: AuditFilter): AsyncIterable<AuditRow> {
  return filtered(db, f).stream(500);
}

/** The actions seen so far, for the filter's choices. */
export async function knownActions(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').distinct().orderBy('action').limit(500).execute();
  return rows.map((r) => r.action);
}

/** The last sign-in of each partner (audit `auth.sign_in`), for the partners on one page. */
export async function lastSignIns(db: Db, partnerIds: readonly number[]): Promise<Map<number, number>> {
  if (!partnerIds.length) return new Map();
  const rows = await db
    .selectFrom('audit_log')
    .select((eb) => ['partner_id', eb.fn.max('at').as('at')])
    .where('action', '=', 'auth.sign_in')
    .where('partner_id', 'in', [...partnerIds])
    .groupBy('partner_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.partner_id), Number(r.at)]));
}

/** A partner's sign-in accounts, without secrets: whether a password is set, not the hash. */
export async function accountsOfPartner(db: Db, partnerId: number): Promise<Array<{ id: number; email: string; totpEnabled: boolean; disabled: boolean; passwordSet: boolean; createdAt: number }>> {
  const rows = await db.selectFrom('accounts').select(['id', 'email', 'totp_enabled', 'disabled_at', 'created_at', 'password_hash']).where('partner_id', '=', partnerId).orderBy('id').execute();
  return rows.map((a) => ({ id: a.id, email: a.email, totpEnabled: Boolean(a.totp_enabled), disabled: a.disabled_at !== null, passwordSet: a.password_hash !== null, createdAt: a.created_at }));
}
