/**
 * Bulk writing into PostgreSQL with COPY FROM STDIN (pg-copy-streams), one stream and pool client per table so
 * the tables load side by side. Rows are encoded as COPY text and written in ~64 KiB chunks; the generator
 * awaits `checkpoint()`, which waits for the sockets to drain, so memory stays flat however many rows go in.
 * Each stream commits on its own when its phase ends, so parents (partners) are committed before children.
 */
import { once } from 'node:events';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { bulkTables, demoColumns, demoTables, type BulkSink, type Cell, type DemoTable, type TableWriter } from './bulk-sink.js';

const CHUNK_CHARS = 64 * 1024;
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: `\N` is null, and backslash, tab and line breaks are escaped. */
export function copyText(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => escapes[c]!) : value;
}

class CopyWriter implements TableWriter {
  rows = 0;
  private pending = '';
  private needsDrain = false;
  error: Error | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly stream: NodeJS.WritableStream,
    private readonly width: number,
  ) {
    stream.on('error', (err: Error) => {
      this.error ??= err;
    });
  }

  row(values: readonly Cell[]): void {
    let line = copyText(values[0]!);
    for (let c = 1; c < this.width; c++) line += '\t' + copyText(values[c]!);
    this.pending += line + '\n';
    this.rows++;
    if (this.pending.length >= CHUNK_CHARS) this.push();
  }

  get buffered(): boolean {
    return this.needsDrain;
  }

  private push(): void {
    if (!this.pending) return;
    if (!this.stream.write(this.pending)) this.needsDrain = true;
    this.pending = '';
  }

  async drain(): Promise<void> {
    if (this.error) throw this.error;
    if (!this.needsDrain) return;
    await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]);
    this.needsDrain = false;
    if (this.error) throw this.error;
  }

  async end(): Promise<void> {
    this.push();
    if (this.error) throw this.error;
    const done = Promise.race([once(this.stream, 'finish'), once(this.stream, 'error').then(([err]) => Promise.reject(err))]);
    this.stream.end();
    try {
      await done;
    } finally {
      this.client.release();
    }
  }

  async cancel(): Promise<void> {
    // Destroying the stream makes PostgreSQL roll the COPY back; the client is not reusable after that.
    (this.stream as NodeJS.WritableStream & { destroy(err?: Error): void }).destroy(new Error('demo load aborted'));
    this.client.release(true);
  }
}

interface SavedIndex {
  name: string;
  definition: string;
}

interface SavedForeignKey {
  table: string;
  name: string;
  definition: string;
}

export function createPostgresSink(pool: pg.Pool): BulkSink {
  const open = new Map<DemoTable, CopyWriter>();
  /** Writers stay the same objects across phases; each forwards to the COPY stream of the current phase. */
  const facades = new Map<DemoTable, TableWriter & { rows: number }>();
  const starting: Promise<void>[] = [];
  let dropped: SavedIndex[] = [];
  let droppedKeys: SavedForeignKey[] = [];

  const startCopy = async (table: DemoTable): Promise<CopyWriter> => {
    const client = await pool.connect();
    const columns = demoColumns[table];
    const stream = client.query(
      copyStreams.from(`copy "${table}" (${columns.map((c) => `"${c}"`).join(',')}) from stdin`, { highWaterMark: 1 << 20 }),
    );
    return new CopyWriter(client, stream, columns.length);
  };

  /** COPY needs a connection, which is async; rows written before it is ready wait in a small queue. */
  const writerFor = (table: DemoTable): TableWriter & { rows: number } => {
    const facade = facades.get(table);
    if (facade) return facade;
    const queue: Cell[][] = [];
    const f = {
      rows: 0,
      row(values: readonly Cell[]) {
        f.rows++;
        const w = open.get(table);
        if (w) w.row(values);
        else {
          queue.push(values.slice());
          if (queue.length === 1) {
            starting.push(
              startCopy(table).then((cw) => {
                open.set(table, cw);
                for (const v of queue.splice(0)) cw.row(v);
              }),
            );
          }
        }
      },
    };
    facades.set(table, f);
    return f;
  };

  const settle = async () => {
    while (starting.length) await Promise.all(starting.splice(0));
  };

  const endAll = async () => {
    await settle();
    const writers = [...open.values()];
    open.clear();
    await Promise.all(writers.map((w) => w.end()));
  };

  /** Indexes are built in parallel (two at a time: the server has few cores); foreign keys are checked once each. */
  const recreate = async () => {
    const queue = dropped;
    dropped = [];
    const worker = async () => {
      for (let index = queue.shift(); index; index = queue.shift()) await pool.query(index.definition);
    };
    await Promise.all([worker(), worker()]);
    for (const key of droppedKeys) await pool.query(`alter table "${key.table}" add constraint "${key.name}" ${key.definition}`);
    droppedKeys = [];
  };

  return {
    writer: writerFor,
    wantsCheckpoint: () => starting.length > 0 || [...open.values()].some((w) => w.buffered),
    async checkpoint() {
      await settle();
      for (const w of open.values()) await w.drain();
    },
    endPhase: endAll,
    async rebuildIndexes(stage) {
      await endAll();
      if (stage === 'after') {
        await recreate();
        return;
      }
      const { rows } = await pool.query<{ indexname: string; indexdef: string }>(
        `select i.indexname, i.indexdef from pg_indexes i
          where i.schemaname = current_schema() and i.tablename = any($1)
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        [bulkTables],
      );
      for (const r of rows) {
        await pool.query(`drop index "${r.indexname}"`);
        dropped.push({ name: r.indexname, definition: r.indexdef });
      }
      // A foreign-key check per row costs more than the row itself; one validation at the end is a single join.
      const keys = await pool.query<{ table: string; name: string; definition: string }>(
        `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
           from pg_constraint c
          where c.contype = 'f' and c.connamespace = current_schema()::regnamespace and c.conrelid::regclass::text = any($1)`,
        [bulkTables],
      );
      for (const k of keys.rows) {
        await pool.query(`alter table "${k.table}" drop constraint "${k.name}"`);
        droppedKeys.push({ table: k.table.replace(/^"|"$/g, ''), name: k.name, definition: k.definition });
      }
    },
    async finish() {
      await endAll();
      // Explicit ids bypass the serial sequences: move each past the highest id so later inserts do not collide.
      for (const table of demoTables) {
        await pool.query(`select setval(pg_get_serial_sequence('"${table}"', 'id'), coalesce((select max(id) from "${table}"), 0) + 1, false)`);
      }
      // VACUUM as well as ANALYZE: right after a bulk load every row still needs its hint bits set and the
      // visibility map is empty, so autovacuum would spend the next minutes rewriting these tables under
      // whatever runs next (and index-only scans could not be used until it had).
      await pool.query(`vacuum (analyze) ${demoTables.map((t) => `"${t}"`).join(', ')}`);
    },
    async abort() {
      await settle().catch(() => {});
      const writers = [...open.values()];
      open.clear();
      await Promise.all(writers.map((w) => w.cancel().catch(() => {})));
      await recreate();
    },
  };
}
