/**
 * The SQLite file's rules, in one place: how a connection opens it (busy_timeout before anything that may need a
 * lock; WAL set once, by the first opener of a new file, and never switched by later ones), how a finished file
 * is put in place (only a cleanly closed file, with no `-wal` of another database beside its new name), and
 * which errors mean the file is damaged.
 *
 * SQLite's own list of ways to corrupt a database names the two this guards against: deleting or renaming a
 * database's hot WAL while a connection has it, and a `-wal` left beside a name that a different database is
 * then renamed to (SQLite replays it into the new file).
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';

/** How long a statement waits for another connection's lock (another worker process, the snapshot thread). */
export const BUSY_TIMEOUT_MS = 5000;

/** Files SQLite keeps beside a database while it is open or after a crash. */
export const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/** Opens `file` (created if missing) in WAL mode with the shared-file settings. */
/**
 * A new store file is created 0600 (owner only) before SQLite opens it: SQLite gives its -wal and -shm files the
 * mode of the database file, so the whole store (sessions, hashes, queued emails) is unreadable to other local
 * users whatever the umask. An existing file keeps the mode its owner gave it.
 */
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export function openSqliteHandle(file: string): BetterSqlite3.Database {
  createPrivately(file);
  const handle = new BetterSqlite3(file);
  try {
    // First: every pragma below may need a lock that another process holds for a moment.
    handle.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL is recorded in the file: a store already in WAL is left alone, so no opener ever switches the mode of
    // a file other connections are using. Only a new (or rollback-journal) file is switched, which SQLite does
    // under an exclusive lock.
    if (handle.pragma('journal_mode', { simple: true }) !== 'wal') {
      const mode = handle.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`could not switch it to WAL mode (still ${String(mode)}): another process holds it`);
    }
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    return handle;
  } catch (err) {
    handle.close();
    throw err;
  }
}

const corruptionCodes = /^(SQLITE_CORRUPT|SQLITE_NOTADB|XX001$|XX002$)/;

/** True for an error that says the store's data is damaged (SQLite SQLITE_CORRUPT and its variants or SQLITE_NOTADB, PostgreSQL XX001 or XX002). */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && corruptionCodes.test(code);
}

/** `PRAGMA quick_check`: the problems it lists, or the error it stops with (an empty list: the file is sound). */
export function quickCheck(handle: BetterSqlite3.Database, maxProblems = 20): string[] {
  try {
    const rows = handle.pragma(`quick_check(${maxProblems})`) as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
    return problems;
  } catch (err) {
    return [`${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`];
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Deletes a database file and its side files; only for files no connection has open (a failed build). */
export function removeSqliteFiles(file: string): void {
  for (const ext of ['', ...SIDE_FILES]) rmSync(`${file}${ext}`, { force: true });
}

/**
 * Puts the finished database `built` at `dest` with one rename, so `dest` is always the old file or the new one.
 * `built` must be closed cleanly (no side files: its WAL checkpointed and removed). A `dest` that exists is opened
 * and taken out of WAL mode first, which SQLite only allows when no other connection has it open, and which
 * checkpoints and removes its WAL; a side file left beside a `dest` that does not exist is stale and removed, so
 * it cannot be replayed into the new file.
 */
export function installSqliteFile(built: string, dest: string): void {
  const left = SIDE_FILES.filter((ext) => existsSync(`${built}${ext}`));
  if (left.length) throw new StoreError(`${built} was not closed cleanly (${left.map((e) => built + e).join(', ')} beside it): not installed`);
  if (existsSync(dest)) {
    const old = new BetterSqlite3(dest, { fileMustExist: true });
    let mode: unknown;
    try {
      // Leaving WAL needs every other connection gone: SQLite answers busy (or keeps WAL) while one is open.
      old.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      mode = old.pragma('journal_mode = DELETE', { simple: true });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY')) mode = 'busy';
      // A damaged file is replaced all the same: that is what a rebuild is for.
      else if (isCorruptionError(err)) mode = 'delete';
      else throw new StoreError(`${dest} cannot be replaced: ${(err as Error).message}`, { cause: err });
    } finally {
      old.close();
    }
    if (mode !== 'delete') throw new StoreError(`${dest} is open in another process (stop it first): not replaced`);
  }
  for (const ext of SIDE_FILES) rmSync(`${dest}${ext}`, { force: true });
  fsyncPath(built);
  renameSync(built, dest);
  fsyncPath(dirname(dest));
}
