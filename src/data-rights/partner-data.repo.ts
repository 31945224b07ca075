/**
 * The partner's own rows outside identity: profile (partner, contact, program), notification choices, payouts,
 * clicks, SubIDs; and the erasure tombstone. Only data-rights writes `partner_erasures` (the Ontraport sync reads it).
 */
import type { Db } from '../store/index.js';

export async function profileRows(db: Db, partnerId: number) {
  return db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('programs as g', 'g.id', 'p.program_id')
    .select([
      'p.id', 'p.referral_code', 'p.paypal_email', 'p.status', 'p.time_zone', 'p.alias', 'p.created_at', 'p.updated_at',
      'c.id as contact_id', 'c.ontraport_id as contact_ontraport_id', 'c.first_name', 'c.last_name', 'c.email',
      'g.name as program_name', 'g.currency',
    ])
    .where('p.id', '=', partnerId)
    .executeTakeFirst();
}

export async function notificationPrefs(db: Db, partnerId: number) {
  return db.selectFrom('notification_prefs').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
}

export async function subIds(db: Db, partnerId: number) {
  return db.selectFrom('partner_sub_ids').select(['sub_id', 'source', 'created_at']).where('partner_id', '=', partnerId).orderBy('created_at').execute();
}

export function payoutsStream(db: Db, partnerId: number) {
  return db.selectFrom('payouts').select(['id', 'paid_at', 'amount_cents', 'currency', 'method', 'reference', 'source']).where('partner_id', '=', partnerId).orderBy('id').stream(500);
}

export function clicksStream(db: Db, partnerId: number) {
  return db.selectFrom('visits').select(['id', 'visited_at', 'landing_path', 'sub_id', 'promo_tool_id']).where('partner_id', '=', partnerId).orderBy('id').stream(1000);
}

export async function erasureOf(db: Db, partnerId: number) {
  return db.selectFrom('partner_erasures').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
}
