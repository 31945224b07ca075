/** Test damage: garbage over the middle of the first b-tree page of `table` in a closed SQLite file, as a torn or foreign write leaves. */
import { closeSync, openSync, writeSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

export function damageTable(file: string, table: string, bytes = 512): void {
  const db = new BetterSqlite3(file);
  const { rootpage } = db.prepare('select rootpage from sqlite_master where name = ?').get(table) as { rootpage: number };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(bytes, 0xa5), 0, bytes, (rootpage - 1) * pageSize + 8);
  } finally {
    closeSync(fd);
  }
}
