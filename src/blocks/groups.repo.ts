/** Partners in id order, a page at a time, with what a group export shows (admin only: names and emails). */
import type { Db } from '../store/index.js';

export async function readPartnersPage(db: Db, afterId: number, limit: number) {
  return db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .innerJoin('programs as pr', 'pr.id', 'p.program_id')
    .select(['p.id', 'p.status', 'c.first_name', 'c.last_name', 'c.email', 'pr.name as program_name', 'pr.currency'])
    .where('p.id', '>', afterId)
    .orderBy('p.id')
    .limit(limit)
    .execute();
}
