/**
 * Notices when the store says its data is damaged. Every connection's query methods are wrapped once (an error is
 * inspected; a successful query costs one more call), so the first SQLITE_CORRUPT, SQLITE_NOTADB or
 * PostgreSQL XX001/XX002 from any query is kept and announced. `/readyz` turns unready on it: a gateway whose
 * store is malformed answers 500 on some pages and 200 on others, which a load balancer should not keep serving.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver } from 'kysely';
import { isCorruptionError } from './sqlite-file.js';

export interface StoreCorruption {
  /** The store's own words (e.g. "SQLITE_CORRUPT: database disk image is malformed"). */
  message: string;
  at: number;
}

/** The first corruption seen; listeners hear of it once. */
export class CorruptionLatch {
  private seen: StoreCorruption | null = null;
  private readonly listeners: ((c: StoreCorruption) => void)[] = [];

  get current(): StoreCorruption | null {
    return this.seen;
  }

  /** Records `err` when it is a corruption error (returns it unchanged either way). */
  observe(err: unknown): unknown {
    if (!this.seen && isCorruptionError(err)) {
      this.seen = { message: `${(err as { code: string }).code}: ${(err as Error).message}`, at: Date.now() };
      for (const listener of this.listeners) listener(this.seen);
    }
    return err;
  }

  listen(listener: (c: StoreCorruption) => void): void {
    this.listeners.push(listener);
    if (this.seen) listener(this.seen);
  }
}

function watchConnection(conn: DatabaseConnection, latch: CorruptionLatch, watched: WeakSet<object>): DatabaseConnection {
  if (watched.has(conn)) return conn;
  watched.add(conn);
  const execute = conn.executeQuery.bind(conn);
  const stream = conn.streamQuery.bind(conn);
  // The SQLite connection throws synchronously (better-sqlite3 is synchronous); PostgreSQL's rejects.
  conn.executeQuery = (<R>(query: CompiledQuery) => {
    try {
      return execute<R>(query).catch((err: unknown) => {
        throw latch.observe(err);
      });
    } catch (err) {
      throw latch.observe(err);
    }
  }) as DatabaseConnection['executeQuery'];
  conn.streamQuery = async function* (query, chunkSize) {
    try {
      yield* stream(query, chunkSize);
    } catch (err) {
      throw latch.observe(err);
    }
  } as DatabaseConnection['streamQuery'];
  return conn;
}

/** `dialect` with every connection's errors shown to `latch`. */
export function watchForCorruption(dialect: Dialect, latch: CorruptionLatch): Dialect {
  const watched = new WeakSet<object>();
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      driver.acquireConnection = async () => watchConnection(await acquire(), latch, watched);
      return driver;
    },
  };
}
