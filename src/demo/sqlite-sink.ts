/**
 * Bulk writing into SQLite through the raw better-sqlite3 handle: multi-row prepared INSERTs inside large
 * transactions, foreign-key checks off during the load (the generator writes parents first), and secondary
 * indexes of the big tables dropped and built once at the end (one sorted build is far cheaper than millions of
 * B-tree updates).
 *
 * Only a file being built under a temporary name (`Store.privateBuild`, see `buildSqliteFile`) is loaded with a
 * rollback journal in memory and `synchronous=OFF`: both are safe there because no other connection knows the
 * file and a crash loses only that file. A shared store stays in WAL with its own durability: another process
 * may open it at any moment, and a memory journal cut off by a crash leaves a malformed file.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { bulkTables, demoColumns, type BulkSink, type Cell, type DemoTable, type TableWriter } from './bulk-sink.js';

/** Rows per multi-row INSERT: fewer calls into SQLite, under its bound-parameter limit for the widest table. */
const ROWS_PER_STATEMENT = 64;
/** Rows per transaction: large enough to amortise the commit, small enough to keep the WAL bounded. */
const ROWS_PER_TRANSACTION = 400_000;

class SqliteTableWriter implements TableWriter {
  rows = 0;
  private readonly width: number;
  private readonly batch: Cell[];
  private buffered = 0;
  private readonly many: BetterSqlite3.Statement;
  private readonly one: BetterSqlite3.Statement;

  constructor(
    db: BetterSqlite3.Database,
    table: DemoTable,
    private readonly beforeWrite: () => void,
    private readonly onRows: (n: number) => void,
  ) {
    const columns = demoColumns[table];
    this.width = columns.length;
    const tuple = `(${columns.map(() => '?').join(',')})`;
    const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values `;
    this.many = db.prepare(head + Array(ROWS_PER_STATEMENT).fill(tuple).join(','));
    this.one = db.prepare(head + tuple);
    this.batch = new Array<Cell>(this.width * ROWS_PER_STATEMENT);
  }

  row(values: readonly Cell[]): void {
    const at = this.buffered * this.width;
    for (let c = 0; c < this.width; c++) this.batch[at + c] = values[c]!;
    this.rows++;
    if (++this.buffered === ROWS_PER_STATEMENT) {
      this.beforeWrite();
      this.many.run(this.batch);
      this.buffered = 0;
      this.onRows(ROWS_PER_STATEMENT);
    }
  }

  flush(): void {
    if (this.buffered) this.beforeWrite();
    for (let r = 0; r < this.buffered; r++) this.one.run(this.batch.slice(r * this.width, (r + 1) * this.width));
    this.onRows(this.buffered);
    this.buffered = 0;
  }
}

interface SavedIndex {
  name: string;
  sql: string;
}

/** `privateBuild`: the file is being built under a name no other connection knows (see the header). */
export function createSqliteSink(db: BetterSqlite3.Database, opts: { privateBuild: boolean }): BulkSink {
  const writers = new Map<DemoTable, SqliteTableWriter>();
  let uncommitted = 0;
  let inTransaction = false;
  let dropped: SavedIndex[] = [];
  const saved = {
    synchronous: db.pragma('synchronous', { simple: true }) as number,
    foreignKeys: db.pragma('foreign_keys', { simple: true }) as number,
    cacheSize: db.pragma('cache_size', { simple: true }) as number,
    journalMode: db.pragma('journal_mode', { simple: true }) as string,
  };
  if (opts.privateBuild) {
    // In WAL mode every page is written twice (log, then checkpoint). A rollback journal kept in memory writes it
    // once and still allows rollback.
    if (saved.journalMode === 'wal') db.pragma('journal_mode = MEMORY');
    // Durability is pointless while loading generated rows into a file a crash throws away.
    db.pragma('synchronous = OFF');
  }
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -524288'); // 512 MiB of page cache: index builds sort in memory

  const begin = () => {
    if (!inTransaction) {
      db.exec('begin');
      inTransaction = true;
    }
  };
  const commit = () => {
    for (const w of writers.values()) w.flush();
    if (inTransaction) db.exec('commit');
    inTransaction = false;
    uncommitted = 0;
  };
  const restoreSettings = () => {
    db.pragma(`synchronous = ${saved.synchronous}`);
    db.pragma(`foreign_keys = ${saved.foreignKeys}`);
    db.pragma(`cache_size = ${saved.cacheSize}`);
    if (db.pragma('journal_mode', { simple: true }) !== saved.journalMode) db.pragma(`journal_mode = ${saved.journalMode}`);
  };
  const recreate = () => {
    for (const index of dropped) db.exec(index.sql);
    dropped = [];
  };

  return {
    writer(table) {
      let w = writers.get(table);
      if (!w) {
        w = new SqliteTableWriter(db, table, begin, (n) => {
          uncommitted += n;
        });
        writers.set(table, w);
      }
      return w;
    },
    wantsCheckpoint: () => uncommitted >= ROWS_PER_TRANSACTION,
    async checkpoint() {
      if (uncommitted >= ROWS_PER_TRANSACTION) commit();
    },
    async endPhase() {
      commit();
    },
    async rebuildIndexes(stage) {
      if (stage === 'after') {
        commit();
        db.exec('begin');
        recreate();
        db.exec('commit');
        return;
      }
      const list = db.prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`);
      for (const table of bulkTables) {
        for (const index of list.all(table) as SavedIndex[]) {
          db.exec(`drop index "${index.name}"`);
          dropped.push(index);
        }
      }
    },
    async finish() {
      commit();
      restoreSettings();
      // Fresh planner statistics, sampled so it stays quick on millions of rows.
      db.pragma('analysis_limit = 1000');
      db.exec('analyze');
    },
    async abort() {
      if (inTransaction) db.exec('rollback');
      inTransaction = false;
      try {
        recreate();
      } finally {
        restoreSettings();
      }
    },
  };
}
