/** When each mirrored object type last finished a sync (the sync's own state rows; not partner data). */
import type { Db } from './db.js';

export async function syncCompletions(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('sync_state').select(['object_type', 'last_completed_at']).where('last_completed_at', 'is not', null).execute();
  return new Map(rows.map((r) => [r.object_type, Number(r.last_completed_at)]));
}
