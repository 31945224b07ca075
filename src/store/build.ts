/**
 * `buildSqliteFile`: fills a new SQLite store under a temporary name and puts it in place with one rename, so a
 * process killed at any point (SIGKILL included) leaves the previous file or the finished one, never a half-built
 * or malformed one. The temporary file is known to no other connection, so a bulk load into it may leave WAL
 * mode and durability for speed (`Store.privateBuild`); it is closed cleanly (journal back to WAL, checkpointed,
 * no side files) and synced before the rename.
 */
import { openStore, type Store } from './database.js';
import { StoreError } from './errors.js';
import { migrateToLatest } from './migrate.js';
import { installSqliteFile, openSqliteHandle, quickCheck, removeSqliteFiles } from './sqlite-file.js';

export type BuildStage = 'built' | 'closed' | 'installed';

export interface BuildOptions {
  /** Called after each step: the load finished, the temporary file closed, the file installed. */
  onStage?: (stage: BuildStage) => void;
}

/** The temporary name a build of `dest` uses; a killed build's leftovers there are removed by the next build. */
export function buildingPathOf(dest: string): string {
  return `${dest}.building`;
}

/**
 * Builds a migrated SQLite store with `build` and installs it at `dest` (replacing a file there only when no
 * other process has it open). `build` must not keep the store: it is closed here.
 */
export async function buildSqliteFile<T>(dest: string, build: (store: Store) => Promise<T>, opts: BuildOptions = {}): Promise<T> {
  const building = buildingPathOf(dest);
  removeSqliteFiles(building);
  const store = await openStore({ kind: 'sqlite', path: building }, { privateBuild: true });
  let result: T;
  try {
    await migrateToLatest(store.db, store.kind);
    result = await build(store);
    // The load may have left WAL for a rollback journal: a file always goes out in WAL mode.
    if (store.sqlite!.pragma('journal_mode', { simple: true }) !== 'wal') store.sqlite!.pragma('journal_mode = WAL');
    opts.onStage?.('built');
  } catch (err) {
    await store.close().catch(() => undefined);
    removeSqliteFiles(building);
    throw err;
  }
  await store.close();
  opts.onStage?.('closed');
  const check = openSqliteHandle(building);
  const problems = quickCheck(check);
  check.close();
  if (problems.length) {
    removeSqliteFiles(building);
    throw new StoreError(`the SQLite file built for ${dest} failed its check (${problems[0]}): not installed`);
  }
  installSqliteFile(building, dest);
  opts.onStage?.('installed');
  return result;
}
