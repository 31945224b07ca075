/** Tier rules' queries: ladders, partners on a ladder (keyset pages), level changes, their audit. */
import type { Db } from '../store/index.js';

export interface LadderLevel {
  id: number;
  name: string;
  level_order: number;
  ontraport_id: number | null;
  currency: string;
}

/** Every ladder (programs sharing `tier_group`), levels in order. */
export async function readLadders(db: Db): Promise<Map<string, LadderLevel[]>> {
  const rows = await db
    .selectFrom('programs')
    .select(['id', 'name', 'level_order', 'ontraport_id', 'tier_group', 'currency'])
    .where('tier_group', 'is not', null)
    .orderBy('tier_group')
    .orderBy('level_order')
    .orderBy('id')
    .execute();
  const out = new Map<string, LadderLevel[]>();
  for (const r of rows) {
    const list = out.get(r.tier_group!) ?? [];
    list.push({ id: r.id, name: r.name, level_order: r.level_order, ontraport_id: r.ontraport_id === null ? null : Number(r.ontraport_id), currency: r.currency });
    out.set(r.tier_group!, list);
  }
  return out;
}

export interface LadderPartner {
  id: number;
  program_id: number;
  tier_group: string;
  first_name: string;
  email: string | null;
  contact_ontraport_id: number | null;
  /** The partner's chosen language (null: English), for the upgrade email. */
  locale: string | null;
}

/** Active partners on a ladder with id > afterId, `limit` at a time (optionally only `partnerIds`). */
export async function readLadderPartners(db: Db, afterId: number, limit: number, partnerIds?: readonly number[]): Promise<LadderPartner[]> {
  let q = db
    .selectFrom('partners as p')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .select(['p.id', 'p.program_id', 'pr.tier_group', 'c.first_name', 'c.email', 'c.ontraport_id as contact_ontraport_id', 'p.locale'])
    .where('pr.tier_group', 'is not', null)
    .where('p.status', '=', 'active')
    .where('p.id', '>', afterId);
  if (partnerIds) q = q.where('p.id', 'in', partnerIds.length ? partnerIds : [-1]);
  const rows = await q.orderBy('p.id').limit(limit).execute();
  return rows.map((r) => ({ ...r, tier_group: r.tier_group!, contact_ontraport_id: r.contact_ontraport_id === null ? null : Number(r.contact_ontraport_id) }));
}

export async function findUpgrade(db: Db, partnerId: number, toProgramId: number) {
  return db.selectFrom('tier_upgrades').selectAll().where('partner_id', '=', partnerId).where('to_program_id', '=', toProgramId).executeTakeFirst();
}

/** Moves the partner only if it is still on `fromProgramId` (a concurrent change wins). */
export async function movePartner(db: Db, partnerId: number, fromProgramId: number, toProgramId: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('partners')
    .set({ program_id: toProgramId, updated_at: now })
    .where('id', '=', partnerId)
    .where('program_id', '=', fromProgramId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertUpgrade(
  db: Db,
  row: { partner_id: number; tier_group: string; rule: string; from_program_id: number; to_program_id: number; to_level: number; value: number; ontraport_key: string | null; email_key: string | null; at: number },
): Promise<void> {
  await db.insertInto('tier_upgrades').values(row).execute();
}

export async function readPartnerLevel(db: Db, partnerId: number) {
  return db
    .selectFrom('partners as p')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .select(['p.id', 'p.program_id', 'pr.tier_group', 'pr.currency'])
    .where('p.id', '=', partnerId)
    .executeTakeFirst();
}
