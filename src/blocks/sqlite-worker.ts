/**
 * SQLite snapshot builds off the main thread. better-sqlite3 runs every statement synchronously, so a GROUP BY
 * over millions of commissions on the gateway's connection would freeze every request (and the WordPress
 * proxy) for seconds. Here a worker thread with its own connection to the same file (WAL: readers never block
 * the writer) runs the aggregate as a read, then writes the rows in small transactions, so the gateway's own
 * writes (sessions, outbox) never wait more than a few milliseconds for the lock.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CompiledSql {
  sql: string;
  parameters: readonly unknown[];
}

type Job =
  | { kind: 'fill'; select: CompiledSql; insertSql: string; chunk: number }
  | { kind: 'purge'; deleteSql: string; parameters: readonly unknown[]; chunk: number };

// CommonJS, evaluated in the worker: no TypeScript loader needed there.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 30000');
parentPort.on('message', ({ id, job }) => {
  try {
    let rows = 0;
    if (job.kind === 'fill') {
      const all = db.prepare(job.select.sql).raw(true).all(...job.select.parameters);
      const insert = db.prepare(job.insertSql);
      const write = db.transaction((batch) => { for (const r of batch) insert.run(...r); });
      for (let i = 0; i < all.length; i += job.chunk) write(all.slice(i, i + job.chunk));
      rows = all.length;
    } else {
      const del = db.prepare(job.deleteSql);
      for (;;) { const n = del.run(...job.parameters, job.chunk).changes; rows += n; if (n < job.chunk) break; }
    }
    parentPort.postMessage({ id, rows });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');
const workers = new Map<string, { worker: Worker; pending: Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }> }>();
let nextId = 1;

function workerFor(file: string) {
  let entry = workers.get(file);
  if (entry) return entry;
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driver } });
  // The worker must not keep a finished process alive; it is idle between snapshot builds.
  worker.unref();
  const pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  worker.on('message', (m: { id: number; rows?: number; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.rows ?? 0);
  });
  const fail = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    if (workers.get(file)?.worker === worker) workers.delete(file);
  };
  worker.on('error', fail);
  worker.on('exit', () => {
    if (workers.get(file)?.worker === worker) fail(new Error('the SQLite snapshot worker stopped'));
  });
  entry = { worker, pending };
  workers.set(file, entry);
  return entry;
}

/** An idle worker (and its connection) is stopped after this long; the next build starts a new one. */
const IDLE_MS = 60_000;
const idleTimers = new Map<string, NodeJS.Timeout>();

function run(file: string, job: Job): Promise<number> {
  const { worker, pending } = workerFor(file);
  clearTimeout(idleTimers.get(file));
  const id = nextId++;
  const done = new Promise<number>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, job });
  });
  const stopWhenIdle = () => {
    if (pending.size > 0) return;
    const timer = setTimeout(() => {
      if (pending.size === 0 && workers.get(file)?.worker === worker) {
        workers.delete(file);
        void worker.terminate();
      }
    }, IDLE_MS);
    timer.unref();
    idleTimers.set(file, timer);
  };
  done.then(stopWhenIdle, stopWhenIdle);
  return done;
}

/** Runs `select` (rows in `insertSql`'s column order) and inserts its rows, `chunk` per transaction. */
export function fillInWorker(file: string, select: CompiledSql, insertSql: string, chunk = 2000): Promise<number> {
  return run(file, { kind: 'fill', select, insertSql, chunk });
}

/** Runs `deleteSql` (whose last parameter is a LIMIT) until it deletes fewer than `chunk` rows. */
export function purgeInWorker(file: string, deleteSql: string, parameters: readonly unknown[], chunk = 5000): Promise<number> {
  return run(file, { kind: 'purge', deleteSql, parameters, chunk });
}
