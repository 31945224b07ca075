/**
 * The SQLite export's ceiling, measured in the same run as the gateway: a plain Node program that opens the
 * store read-only, `iterate()`s the export's own SELECT (same rows, same columns, stored values: no time-zone,
 * money or formula work) with raw rows and pipes them through a csv-stringify stream (header, CRLF) into
 * `wc -l`, as the gateway's download goes from curl into `wc -l`. Plain JavaScript run by `node -e`: no
 * loader, and nothing of Partnergate's code. Time is taken inside the program from before the query to the last
 * byte written (curl's `time_total` on the gateway side likewise leaves out process start-up).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { round } from './lib.js';

const require = createRequire(import.meta.url);

const SOURCE = `
const [driver, csv, file, sql, params, headers] = process.argv.slice(1);
const Database = require(driver);
const { stringify } = require(csv);
const { once } = require('node:events');
(async () => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const out = stringify({ header: true, columns: JSON.parse(headers), record_delimiter: '\\r\\n' });
  out.pipe(process.stdout);
  let rows = 0;
  for (const row of db.prepare(sql).raw(true).iterate(...JSON.parse(params))) {
    rows++;
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'end');
  await new Promise((resolve) => process.stdout.write('', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  db.close();
  process.stderr.write(JSON.stringify({ rows, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

export interface ReferenceRun {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** CPU time of the program over the same span (user + system). */
  cpuSeconds: number;
  /** Lines `wc -l` counted (header included). */
  lines: number;
  peakRssMb: number;
}

/** Runs the reference once over `query` on `file`. */
export function sqliteReferenceExport(file: string, query: { sql: string; parameters: readonly unknown[]; headers: string[] }): Promise<ReferenceRun> {
  return new Promise((resolvePromise, reject) => {
    const args = [require.resolve('better-sqlite3'), require.resolve('csv-stringify'), file, query.sql, JSON.stringify(query.parameters), JSON.stringify(query.headers)];
    const script = 'set -o pipefail; "$NODE_BIN" -e "$SRC" -- "$@" | wc -l';
    const child = spawn('bash', ['-c', script, 'reference', ...args], { env: { ...process.env, SRC: SOURCE, NODE_BIN: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      let stats: { rows: number; seconds: number; cpuSeconds: number; maxRssKb: number };
      try {
        stats = JSON.parse(last);
      } catch {
        return reject(new Error(`reference export failed (${code}): ${err.trim()}`));
      }
      if (code !== 0) return reject(new Error(`reference export failed (${code}): ${err.trim()}`));
      resolvePromise({ rows: stats.rows, seconds: round(stats.seconds, 3), rowsPerSecond: round(stats.rows / stats.seconds), cpuSeconds: round(stats.cpuSeconds, 3), lines: Number(out.trim()), peakRssMb: round(stats.maxRssKb / 1024, 1) });
    });
  });
}
