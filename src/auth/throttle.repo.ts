/** Fixed-window counters in the `throttle` table, shared by every gateway instance on the store. */
import { sql } from 'kysely';
import type { Db } from '../store/index.js';

/**
 * Adds one to the counter of `key` in one statement (atomic on both stores) and returns the new count and
 * when its window started. A window older than `windowMs` starts again at one.
 */
export async function hitCounter(db: Db, key: string, now: number, windowMs: number): Promise<{ count: number; windowStart: number }> {
  const stale = now - windowMs;
  const row = await db
    .insertInto('throttle')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when throttle.window_start <= ${stale} then 1 else throttle.count + 1 end`,
        window_start: sql<number>`case when throttle.window_start <= ${stale} then cast(${now} as bigint) else throttle.window_start end`,
      }),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

/** Takes one back (an attempt that turned out to succeed) without going below zero. */
export async function decrementCounter(db: Db, key: string): Promise<void> {
  await db.updateTable('throttle').set({ count: sql<number>`count - 1` }).where('key', '=', key).where('count', '>', 0).execute();
}

export async function deleteCounter(db: Db, key: string): Promise<void> {
  await db.deleteFrom('throttle').where('key', '=', key).execute();
}

export async function readCounter(db: Db, key: string): Promise<{ count: number; windowStart: number } | undefined> {
  const row = await db.selectFrom('throttle').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
  return row ? { count: Number(row.count), windowStart: Number(row.window_start) } : undefined;
}

export async function deleteStaleCounters(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('throttle').where('window_start', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
