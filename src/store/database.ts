/**
 * Opens the store: an embedded SQLite file (WAL) by default, PostgreSQL when DATABASE_URL names one.
 * Both go through one kysely instance with the same table types, so every query runs on either.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { prepareRepeatedQueries, StatementNames } from './prepared-statements.js';
import type { Database } from './tables.js';

export type StoreKind = 'sqlite' | 'postgres';
export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Store {
  db: Kysely<Database>;
  kind: StoreKind;
  /** The raw SQLite handle, for bulk loads that must bypass the query builder. */
  sqlite?: BetterSqlite3.Database;
  /** The raw PostgreSQL pool, for COPY streams. */
  pgPool?: pg.Pool;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** node-pg returns int8/numeric as strings; our bigints are epoch ms and cents, safe as JS numbers. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*)(:[^@/]*)?@/, '//$1:***@');
}

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

function openSqlite(path: string): Store {
  const file = resolve(path);
  try {
    if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
    accessSync(dirname(file), constants.W_OK);
  } catch (err) {
    throw new StoreError(`SQLite folder ${dirname(file)} is not writable (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  let handle: BetterSqlite3.Database;
  try {
    createPrivately(file);
    handle = new BetterSqlite3(file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StoreError(`cannot open SQLite store ${file}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
  return {
    db,
    kind: 'sqlite',
    sqlite: handle,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPostgres(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes, connectionTimeoutMillis: 5000 });
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
  return {
    db,
    kind: 'postgres',
    pgPool: pool,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

export async function openStore(config: StoreConfig): Promise<Store> {
  return config.kind === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url);
}
