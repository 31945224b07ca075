/**
 * `checkStore`: is the store's data sound? SQLite: `PRAGMA quick_check` (or `integrity_check` with `full`), which
 * reads every page and checks each b-tree's structure. PostgreSQL: the catalog's view of the schema's indexes
 * (none left invalid by a failed build), amcheck's b-tree check of each index when the extension is installed,
 * and with `full` a read of every table (a damaged heap page answers XX001).
 * `backupSqlite`: a consistent copy of a live SQLite store through SQLite's online backup API.
 */
import { existsSync, statSync } from 'node:fs';
import { sql } from 'kysely';
import type { Store } from './database.js';
import { StoreError } from './errors.js';
import { installSqliteFile, openSqliteHandle, quickCheck, removeSqliteFiles } from './sqlite-file.js';

export interface CheckResult {
  /** What was checked, e.g. `quick_check` or `index btree commissions_partner_idx`. */
  name: string;
  problems: string[];
}

export interface StoreCheck {
  ok: boolean;
  kind: Store['kind'];
  checks: CheckResult[];
}

function describe(err: unknown): string {
  const code = (err as { code?: string }).code;
  return `${code ? `${code}: ` : ''}${(err as Error).message}`;
}

async function checkPostgres(store: Store, full: boolean): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const invalid = await sql<{ name: string }>`
    select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
    where not (i.indisvalid and i.indisready) and c.relnamespace = current_schema()::regnamespace`.execute(store.db);
  out.push({ name: 'invalid indexes', problems: invalid.rows.map((r) => `index ${r.name} is invalid (a failed or interrupted build): REINDEX it`) });
  const amcheck = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'amcheck'`.execute(store.db);
  if (Number(amcheck.rows[0]!.n) > 0) {
    const indexes = await sql<{ name: string; oid: number }>`
      select c.relname as name, c.oid::int as oid from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
      where a.amname = 'btree' and i.indisvalid and c.relnamespace = current_schema()::regnamespace order by c.relname`.execute(store.db);
    const problems: string[] = [];
    for (const index of indexes.rows) {
      try {
        await sql`select bt_index_check(${index.oid}::regclass)`.execute(store.db);
      } catch (err) {
        problems.push(`index ${index.name}: ${describe(err)}`);
      }
    }
    out.push({ name: `amcheck bt_index_check (${indexes.rows.length} indexes)`, problems });
  }
  if (full) {
    const tables = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() order by tablename`.execute(store.db);
    const problems: string[] = [];
    for (const t of tables.rows) {
      try {
        await sql`select count(*) from ${sql.table(t.name)}`.execute(store.db);
      } catch (err) {
        problems.push(`table ${t.name}: ${describe(err)}`);
      }
    }
    out.push({ name: `read every row (${tables.rows.length} tables)`, problems });
  }
  return out;
}

/** Runs the checks; `ok` is false when any of them found a problem. Only reads. */
export async function checkStore(store: Store, opts: { full?: boolean } = {}): Promise<StoreCheck> {
  let checks: CheckResult[];
  if (store.kind === 'sqlite') {
    const pragma = opts.full ? 'integrity_check' : 'quick_check';
    let problems: string[];
    try {
      const rows = store.sqlite!.pragma(`${pragma}(20)`) as Record<string, string>[];
      problems = rows.map((r) => r[pragma]!).filter((m) => m !== 'ok');
    } catch (err) {
      problems = [describe(err)];
    }
    checks = [{ name: pragma, problems }];
  } else {
    checks = await checkPostgres(store, Boolean(opts.full));
  }
  return { ok: checks.every((c) => c.problems.length === 0), kind: store.kind, checks };
}

/**
 * Copies a SQLite store (open, possibly in use) to `dest` with the online backup API: the copy is one consistent
 * moment of the store. Written under a temporary name, checked with quick_check and renamed, so `dest` is whole
 * or absent. Refuses an existing `dest`.
 */
export async function backupSqlite(store: Store, dest: string): Promise<{ bytes: number; pages: number }> {
  if (store.kind !== 'sqlite' || !store.sqlite) throw new StoreError('backupSqlite: not a SQLite store');
  if (existsSync(dest)) throw new StoreError(`${dest} already exists: choose a new file name`);
  const partial = `${dest}.partial-${process.pid}`;
  removeSqliteFiles(partial);
  try {
    const { totalPages } = await store.sqlite.backup(partial);
    const copy = openSqliteHandle(partial);
    const problems = quickCheck(copy);
    copy.close();
    if (problems.length) throw new StoreError(`the backup failed its check (${problems[0]})`);
    installSqliteFile(partial, dest);
    return { bytes: statSync(dest).size, pages: totalPages };
  } catch (err) {
    removeSqliteFiles(partial);
    throw err;
  }
}
