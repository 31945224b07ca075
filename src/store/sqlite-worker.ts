/**
 * Long SQLite writes off the main thread. better-sqlite3 runs every statement synchronously, so a GROUP BY over
 * millions of commissions on the gateway's connection would freeze every request (and the WordPress proxy) for
 * seconds. A worker thread with its own connection to the same file (WAL: readers never block the writer) runs
 * the aggregate as a read, then writes the rows in small transactions, so the gateway's own writes (sessions,
 * outbox) never wait more than a few milliseconds for the lock.
 *
 * The worker belongs to its store: `Store.close()` closes the worker's connection before the store's own, so the
 * last connection to close is the store's, which checkpoints the WAL and removes `-wal`/`-shm`. A connection left
 * open after close kept committed pages in a live WAL that a later rename or delete of the file threw away.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CompiledSql {
  sql: string;
  parameters: readonly unknown[];
}

type Job =
  | { kind: 'fill'; select: CompiledSql; insertSql: string; chunk: number }
  | { kind: 'purge'; deleteSql: string; parameters: readonly unknown[]; chunk: number }
  | { kind: 'close' };

// CommonJS, evaluated in the worker: no TypeScript loader needed there. busy_timeout first: the file is shared.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ${30_000}');
parentPort.on('message', ({ id, job }) => {
  try {
    let rows = 0;
    if (job.kind === 'fill') {
      const all = db.prepare(job.select.sql).raw(true).all(...job.select.parameters);
      const insert = db.prepare(job.insertSql);
      const write = db.transaction((batch) => { for (const r of batch) insert.run(...r); });
      for (let i = 0; i < all.length; i += job.chunk) write(all.slice(i, i + job.chunk));
      rows = all.length;
    } else if (job.kind === 'purge') {
      const del = db.prepare(job.deleteSql);
      for (;;) { const n = del.run(...job.parameters, job.chunk).changes; rows += n; if (n < job.chunk) break; }
    } else {
      db.close();
    }
    parentPort.postMessage({ id, rows });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err), code: err && err.code });
  }
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** An idle worker (and its connection) is stopped after this long; the next job starts a new one. */
const IDLE_MS = 60_000;

type Pending = { resolve: (n: number) => void; reject: (e: Error) => void };

/** Errors from the worker keep SQLite's code (`SQLITE_BUSY`, `SQLITE_CORRUPT`...) for callers and the corruption latch. */
export class SqliteWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteWorkerError';
  }
}

export interface SqliteWorker {
  /** Runs `select` (rows in `insertSql`'s column order) and inserts its rows, `chunk` per transaction. */
  fill(select: CompiledSql, insertSql: string, chunk?: number): Promise<number>;
  /** Runs `deleteSql` (whose last parameter is a LIMIT) until it deletes fewer than `chunk` rows. */
  purge(deleteSql: string, parameters: readonly unknown[], chunk?: number): Promise<number>;
  /** Waits for the job in flight, closes the connection and stops the thread. Later jobs start a new one. */
  close(): Promise<void>;
}

/** The worker thread of one store's SQLite file, started on the first job. */
export function createSqliteWorker(file: string, onError?: (err: SqliteWorkerError) => void): SqliteWorker {
  let current: { worker: Worker; pending: Map<number, Pending> } | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const start = () => {
    const worker = new Worker(workerSource, { eval: true, workerData: { file, driver } });
    // The worker must not keep a finished process alive; it is idle between snapshot builds.
    worker.unref();
    const pending = new Map<number, Pending>();
    worker.on('message', (m: { id: number; rows?: number; error?: string; code?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) {
        const err = new SqliteWorkerError(m.error, m.code);
        onError?.(err);
        p?.reject(err);
      } else p?.resolve(m.rows ?? 0);
    });
    const fail = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (current?.worker === worker) current = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the SQLite worker stopped')));
    return { worker, pending };
  };

  const send = (job: Job): Promise<number> => {
    current ??= start();
    const { worker, pending } = current;
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  };

  const stop = async () => {
    clearTimeout(idleTimer);
    const entry = current;
    if (!entry) return;
    try {
      await send({ kind: 'close' });
    } finally {
      current = undefined;
      await entry.worker.terminate();
    }
  };

  // One job at a time, in order; close waits for the job in flight rather than cutting it off.
  const enqueue = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const run = (job: Job) =>
    enqueue(async () => {
      if (closed) throw new Error('the store is closed');
      clearTimeout(idleTimer);
      try {
        return await send(job);
      } finally {
        idleTimer = setTimeout(() => void enqueue(stop), IDLE_MS);
        idleTimer.unref();
      }
    });

  return {
    fill: (select, insertSql, chunk = 2000) => run({ kind: 'fill', select, insertSql, chunk }),
    purge: (deleteSql, parameters, chunk = 5000) => run({ kind: 'purge', deleteSql, parameters, chunk }),
    close: () => {
      closed = true;
      return enqueue(stop);
    },
  };
}
