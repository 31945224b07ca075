/**
 * Where export rows come from, as Node streams that hold at most one batch in memory and release their database
 * resources when they end, fail or are destroyed (a client that disconnects destroys the whole pipeline):
 *
 * - SQLite: a separate read-only connection per export, `iterate()` with raw rows. A long export then neither
 *   blocks the gateway's own connection (kysely serialises it) nor sees rows change under it (WAL snapshot).
 * - PostgreSQL rows: pg-cursor on a pool client, 1,000 rows per round trip.
 * - PostgreSQL CSV: `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)` through pg-copy-streams; the SELECT already
 *   formats every cell (see columns.ts). A COPY cannot take bind parameters, so parameters are inlined as
 *   literals by {@link inlinePostgresParameters} (integers and escaped strings only).
 */
import { Readable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type Cursor from 'pg-cursor';
import type copyStreams from 'pg-copy-streams';
import { loadPackage } from '../common/index.js';
import { postgresDriver, type Store } from '../store/index.js';
import type { ExportSlots } from './export-slots.js';

/** pg-copy-streams with the first COPY export (node-pg itself comes with the PostgreSQL store): SQLite never needs it. */
const copyTo = (text: string) => loadPackage<typeof copyStreams>('pg-copy-streams').to(text);

export type RawRow = unknown[];

const SQLITE_BATCH = 500;
const PG_BATCH = 1000;

/**
 * Turns rows into stream chunks. `add` is called for each row as it comes (the row can be dropped right
 * after), `take` once per batch for the chunk to push (undefined: nothing to push). Keeping per-row objects
 * short-lived matters: rows that wait in a batch long enough to survive two scavenges get promoted, and the old
 * generation's garbage then grows with the row count.
 */
export interface RowEncoder<T> {
  add(row: RawRow): void;
  take(): T | undefined;
}

/** Rows of a compiled query, encoded batch by batch, as an object-mode stream of the encoder's chunks. */
/** @param slots counts the source as holding a connection until it ends, fails or is destroyed */
export function openRowSource<T>(store: Store, slots: ExportSlots, query: CompiledQuery, encoder: RowEncoder<T>): Readable {
  return store.kind === 'sqlite' ? sqliteRows(store, slots, query, encoder) : postgresRows(store, slots, query, encoder);
}

function sqliteRows<T>(store: Store, slots: ExportSlots, query: CompiledQuery, encoder: RowEncoder<T>): Readable {
  const file = store.sqlite?.name;
  // An in-memory database cannot be opened twice: fall back to the store's own handle.
  const own = !file || file === ':memory:' ? undefined : new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  const conn = own ?? store.sqlite!;
  const release = slots.track();
  let rows: IterableIterator<RawRow> | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      rows?.return?.();
      own?.close();
    } finally {
      release();
    }
  };
  try {
    rows = conn.prepare(query.sql).raw(true).iterate(...(query.parameters as unknown[])) as IterableIterator<RawRow>;
  } catch (err) {
    close();
    throw err;
  }
  let scheduled = false;
  return new Readable({
    objectMode: true,
    highWaterMark: 2,
    read() {
      // better-sqlite3 is synchronous and a fast client keeps the socket writable, so without a turn of the
      // event loop between batches the whole export would run on process.nextTick and starve every other request.
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (this.destroyed) return;
        try {
          let done = false;
          for (let i = 0; i < SQLITE_BATCH; i++) {
            const next = rows!.next();
            if (next.done) {
              done = true;
              break;
            }
            encoder.add(next.value);
          }
          if (done) close();
          const chunk = encoder.take();
          if (chunk !== undefined) this.push(chunk);
          if (done) this.push(null);
        } catch (err) {
          this.destroy(err as Error);
        }
      });
    },
    destroy(err, cb) {
      close();
      cb(err);
    },
  });
}

function postgresRows<T>(store: Store, slots: ExportSlots, query: CompiledQuery, encoder: RowEncoder<T>): Readable {
  const release = slots.track();
  let client: pg.PoolClient | undefined;
  let cursor: Cursor<RawRow> | undefined;
  let reading = false;
  let finished = false;
  const letGo = async (broken: boolean) => {
    if (finished) return;
    finished = true;
    try {
      if (cursor && !broken) await cursor.close().catch(() => (broken = true));
      // A broken or abandoned connection is closed rather than returned: the server then stops the query.
      client?.release(broken ? true : undefined);
    } finally {
      release();
    }
  };
  return new Readable({
    objectMode: true,
    highWaterMark: 2,
    // Readable does not await construct; every path below ends in cb, failures included.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    async construct(cb) {
      try {
        client = await store.pgPool!.connect();
        const { Cursor: PgCursor } = postgresDriver();
        cursor = client.query(new PgCursor<RawRow>(query.sql, query.parameters as unknown[], { rowMode: 'array' }));
        cb();
      } catch (err) {
        await letGo(true);
        cb(err as Error);
      }
    },
    read() {
      if (reading || finished) return;
      reading = true;
      cursor!.read(PG_BATCH).then(
        async (batch) => {
          reading = false;
          try {
            for (const row of batch) encoder.add(row);
            const chunk = encoder.take();
            if (chunk !== undefined) this.push(chunk);
          } catch (err) {
            this.destroy(err as Error);
            return;
          }
          if (batch.length < PG_BATCH) {
            await letGo(false);
            this.push(null);
          }
        },
        (err: Error) => {
          reading = false;
          this.destroy(err);
        },
      );
    },
    destroy(err, cb) {
      // Destroyed before the end (error or client gone): drop the connection so the server stops at once.
      letGo(err !== null || !finished).then(() => cb(err), () => cb(err));
    },
  });
}

/**
 * Replaces `$1`... by literals so a kysely-compiled SELECT can run inside COPY. Only finite safe integers and
 * strings are accepted; strings go through pg's `escapeLiteral` (which doubles quotes and handles backslashes).
 */
export function inlinePostgresParameters(query: CompiledQuery): string {
  const params = query.parameters;
  return query.sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const value = params[Number(n) - 1];
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string') return postgresDriver().pg.escapeLiteral(value);
    throw new Error(`cannot inline parameter $${n} of type ${typeof value} into COPY`);
  });
}

/**
 * The CSV bytes of `COPY (select) TO STDOUT WITH (FORMAT csv)` (LF line ends, no header), run in a read-only
 * transaction with `DateStyle` ISO and `TimeZone` = `timeZone` set locally (columns.ts relies on both).
 * The pool client is returned on success and closed on any failure or early destroy.
 *
 * Parallel query is off for the COPY (`max_parallel_workers_per_gather = 0`). An export streams at the pace of
 * the client reading it, and a client that stops reading parks the COPY. A parallel plan would keep its worker
 * processes for as long as the download is parked. Those workers come from the server-wide `max_worker_processes`,
 * which logical replication and every other query's parallelism share, so a few parked downloads could hold
 * them all. One backend per export is the most an export can hold.
 */
export function openCopySource(store: Store, slots: ExportSlots, select: CompiledQuery, timeZone: string): Readable {
  const release = slots.track();
  const text = `COPY (${inlinePostgresParameters(select)}) TO STDOUT WITH (FORMAT csv)`;
  let client: pg.PoolClient | undefined;
  let copy: Readable | undefined;
  let done = false;
  const letGo = async (ok: boolean) => {
    if (done) return;
    done = true;
    try {
      if (ok && client) await client.query('COMMIT');
      client?.release(ok ? undefined : true);
    } catch {
      client?.release(true);
    } finally {
      release();
    }
  };
  return new Readable({
    highWaterMark: 64 * 1024,
    // Readable does not await construct; every path below ends in cb, failures included.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    async construct(cb) {
      try {
        client = await store.pgPool!.connect();
        await client.query(`BEGIN READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL TimeZone = ${postgresDriver().pg.escapeLiteral(timeZone)}; SET LOCAL max_parallel_workers_per_gather = 0`);
        copy = client.query(copyTo(text));
        copy.on('data', (chunk: Buffer) => {
          if (!this.push(chunk)) copy!.pause();
        });
        copy.once('end', () => {
          letGo(true).then(() => this.push(null), (err: Error) => this.destroy(err));
        });
        copy.once('error', (err) => this.destroy(err));
        copy.pause();
        cb();
      } catch (err) {
        await letGo(false);
        cb(err as Error);
      }
    },
    read() {
      copy?.resume();
    },
    destroy(err, cb) {
      copy?.removeAllListeners('data');
      letGo(err === null && done).then(() => cb(err), () => cb(err));
    },
  });
}
