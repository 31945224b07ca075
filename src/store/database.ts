/**
 * Opens the store: an embedded SQLite file (WAL) by default, PostgreSQL when DATABASE_URL names one.
 * Both go through one kysely instance with the same table types, so every query runs on either.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import type pg from 'pg';
import type Cursor from 'pg-cursor';
import { loadPackage } from '../common/lazy-module.js';
import { CorruptionLatch, watchForCorruption, type StoreCorruption } from './corruption.js';
import { StoreError } from './errors.js';
import { prepareRepeatedQueries, StatementNames } from './prepared-statements.js';
import { cachingStatements } from './sqlite-statements.js';
import { openSqliteHandle } from './sqlite-file.js';
import { createSqliteWorker, type SqliteWorker } from './sqlite-worker.js';
import type { Database } from './tables.js';

export { StoreError };

export type StoreKind = 'sqlite' | 'postgres';
export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Store {
  db: Kysely<Database>;
  kind: StoreKind;
  /** The raw SQLite handle, for bulk loads that must bypass the query builder. */
  sqlite?: BetterSqlite3.Database;
  /** The raw PostgreSQL pool, for COPY streams. */
  pgPool?: pg.Pool;
  /** A SQLite file's worker thread (its own connection) for long writes off the event loop; closed with the store. */
  sqliteWorker?: SqliteWorker;
  /**
   * A SQLite file being built by `buildSqliteFile` under a temporary name no other connection knows: a bulk load
   * may then leave WAL mode and durability for speed (a crash loses only the temporary file).
   */
  privateBuild?: boolean;
  /** The first corruption error any query met (SQLITE_CORRUPT, PostgreSQL XX001...), or null. */
  corruption(): StoreCorruption | null;
  /** Calls `listener` once when the store first reports corruption (at once if it already has). */
  onCorruption(listener: (c: StoreCorruption) => void): void;
  ping(): Promise<void>;
  /** Closes every connection, the worker thread's first: a SQLite store leaves no `-wal`/`-shm` when it was the last user. */
  close(): Promise<void>;
}

/**
 * node-pg and its cursor, loaded when a PostgreSQL store opens: a gateway or command on SQLite never uses them,
 * and loading them cost about 3 MB of resident memory.
 */
export function postgresDriver(): { pg: typeof pg; Cursor: typeof Cursor } {
  return { pg: loadPackage<typeof pg>('pg'), Cursor: loadPackage<typeof Cursor>('pg-cursor') };
}

/** node-pg returns int8/numeric as strings; our bigints are epoch ms and cents, safe as JS numbers. */
function pgTypes(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
      return types.getTypeParser(oid, format as 'text');
    },
  } as pg.CustomTypesConfig;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*)(:[^@/]*)?@/, '//$1:***@');
}

function storeParts(dialect: Dialect) {
  const latch = new CorruptionLatch();
  const db = new Kysely<Database>({ dialect: watchForCorruption(dialect, latch) });
  return {
    db,
    latch,
    corruption: () => latch.current,
    onCorruption: (listener: (c: StoreCorruption) => void) => latch.listen(listener),
    async ping() {
      await sql`select 1`.execute(db);
    },
  };
}

function openSqlite(path: string, opts: { privateBuild?: boolean }): Store {
  const file = resolve(path);
  try {
    if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
    accessSync(dirname(file), constants.W_OK);
  } catch (err) {
    throw new StoreError(`SQLite folder ${dirname(file)} is not writable (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  let handle: BetterSqlite3.Database;
  try {
    handle = openSqliteHandle(file);
  } catch (err) {
    throw new StoreError(`cannot open SQLite store ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { latch, ...parts } = storeParts(new SqliteDialect({ database: cachingStatements(handle) }));
  const worker = createSqliteWorker(file, (err) => latch.observe(err));
  let closing: Promise<void> | undefined;
  return {
    ...parts,
    kind: 'sqlite',
    sqlite: handle,
    sqliteWorker: worker,
    privateBuild: opts.privateBuild,
    close() {
      closing ??= (async () => {
        try {
          await worker.close();
        } finally {
          await parts.db.destroy();
        }
      })();
      return closing;
    },
  };
}

async function openPostgres(url: string): Promise<Store> {
  const { pg, Cursor } = postgresDriver();
  const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes(pg.types), connectionTimeoutMillis: 5000 });
  pool.on('error', () => {
    /* an idle client died (e.g. the server restarted); the pool replaces it on next use */
  });
  // pg-pool drops that listener while a client is checked out: a server restart then emitted 'error' with no listener (process crash).
  const statementNames = new StatementNames();
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareRepeatedQueries(client, statementNames);
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  const { latch: _latch, ...parts } = storeParts(new PostgresDialect({ pool, cursor: Cursor }));
  return {
    ...parts,
    kind: 'postgres',
    pgPool: pool,
    async close() {
      await parts.db.destroy();
    },
  };
}

/** Opens the store. `privateBuild`: see `Store.privateBuild` (only `buildSqliteFile` sets it). */
export async function openStore(config: StoreConfig, opts: { privateBuild?: boolean } = {}): Promise<Store> {
  return config.kind === 'sqlite' ? openSqlite(config.path, opts) : openPostgres(config.url);
}
