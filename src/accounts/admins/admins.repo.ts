/** Administrator account rows: the only place the admin-accounts commands touch kysely. */
import { sql } from 'kysely';
import type { Account } from '../../store/index.js';
import type { Db } from '../../store/index.js';

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export async function insertAdminAccount(db: Db, row: { email: string; passwordHash: string | null; now: number }): Promise<number> {
  const r = await db
    .insertInto('accounts')
    .values({
      partner_id: null, email: row.email, role: 'admin', password_hash: row.passwordHash, totp_secret: null, totp_enabled: 0, totp_recovery_json: null,
      oidc_subject: null, created_at: row.now, password_changed_at: row.passwordHash ? row.now : null, disabled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export interface AdminRow {
  id: number;
  email: string;
  createdAt: number;
  passwordSet: boolean;
  totpEnabled: boolean;
  disabledAt: number | null;
}

export async function listAdmins(db: Db): Promise<AdminRow[]> {
  const rows = await db.selectFrom('accounts').select(['id', 'email', 'created_at', 'password_hash', 'totp_enabled', 'disabled_at']).where('role', '=', 'admin').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, email: r.email, createdAt: r.created_at, passwordSet: r.password_hash !== null, totpEnabled: r.totp_enabled === 1, disabledAt: r.disabled_at }));
}

export async function disableAccount(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('accounts').set({ disabled_at: now }).where('id', '=', id).execute();
}

