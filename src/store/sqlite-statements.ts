/**
 * Kysely's SQLite driver prepares every query anew (`db.prepare(sql)` per call). Compiling a statement costs
 * SQLite more than running a small one, and a bulk insert of 500 rows has a long text: in a CPU profile of a
 * migration's apply, preparing was about 5% of the time, for texts it had prepared before. The handle given to
 * kysely keeps the last `max` distinct texts prepared and hands a cached statement back while it is not busy
 * (a statement being iterated by a stream cannot run a second query: a fresh one is prepared then). SQLite
 * re-prepares a cached statement by itself when the schema changed under it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function cachingStatements(handle: BetterSqlite3.Database, max = 200): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      handle.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: the oldest is the first key.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const stmt = handle.prepare(sql);
      if (!cached) {
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
