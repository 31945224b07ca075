/**
 * Repository: which partner an admin session is viewing as (one `kv` row per session, keyed by the session's
 * id hash, so a new session never inherits a view), and the partner's rows in the shape the partner center reads from a
 * session.
 */
import type { SessionPartnerRow } from '../accounts/index.js';
import type { Db } from '../store/index.js';


const PREFIX = 'admin.view_as|';

export interface ViewAsState {
  partnerId: number;
  startedAt: number;
}

export async function readViewAs(db: Db, sessionIdHash: string): Promise<ViewAsState | undefined> {
  const row = await db.selectFrom('kv').select('value_json').where('key', '=', PREFIX + sessionIdHash).executeTakeFirst();
  return row ? (JSON.parse(row.value_json) as ViewAsState) : undefined;
}

export async function writeViewAs(db: Db, sessionIdHash: string, state: ViewAsState): Promise<void> {
  const value_json = JSON.stringify(state);
  await db
    .insertInto('kv')
    .values({ key: PREFIX + sessionIdHash, value_json, updated_at: state.startedAt })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: state.startedAt }))
    .execute();
}

/** Deletes the row; true when there was one (so a double "end" is audited once). */
export async function deleteViewAs(db: Db, sessionIdHash: string): Promise<boolean> {
  const r = await db.deleteFrom('kv').where('key', '=', PREFIX + sessionIdHash).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Rows of sessions that ended without signing out (expired, or ended by an administrator): no session lives
 * longer than `maxSessionMs`, so a row older than that has nobody left to read it.
 */
export async function deleteStaleViewAs(db: Db, olderThan: number): Promise<void> {
  await db.deleteFrom('kv').where('key', 'like', `${PREFIX}%`).where('updated_at', '<', olderThan).execute();
}

/** The partner with its contact and program, as a session of the partner's own would carry it. */
export async function sessionPartnerRow(db: Db, partnerId: number): Promise<SessionPartnerRow | undefined> {
  return db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .innerJoin('programs as g', 'g.id', 'p.program_id')
    .select([
      'p.id', 'p.referral_code', 'p.program_id', 'p.paypal_email', 'p.status', 'p.time_zone', 'p.locale', 'p.alias', 'p.created_at', 'p.contact_id',
      'c.ontraport_id as contact_ontraport_id', 'c.first_name', 'c.last_name',
      'g.name as program_name', 'g.currency', 'g.rate_bp', 'g.tier_group', 'g.level_order',
    ])
    .where('p.id', '=', partnerId)
    .executeTakeFirst();
}
