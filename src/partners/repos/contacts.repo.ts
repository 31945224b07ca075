/** Contacts the partner referred, as first or last referrer (indexes `contacts (first|last_referrer_id, added_at)`). */
import type { Db, MsRange } from './db.js';

export interface ReferredContactRow {
  id: number;
  first_name: string;
  last_name: string;
  added_at: number;
}

export async function listReferredContacts(
  db: Db,
  q: { partnerId: number; as: 'first' | 'last'; range?: MsRange; limit: number; offset: number },
): Promise<ReferredContactRow[]> {
  const col = q.as === 'first' ? 'first_referrer_id' : 'last_referrer_id';
  let query = db.selectFrom('contacts').select(['id', 'first_name', 'last_name', 'added_at']).where(col, '=', q.partnerId);
  if (q.range) query = query.where('added_at', '>=', q.range.startMs).where('added_at', '<', q.range.endMs);
  return query.orderBy('added_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
}
