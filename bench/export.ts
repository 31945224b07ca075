/**
 * Export benchmark: the commissions CSV of one partner with 100k and 1M rows, downloaded through a real gateway
 * (the built `dist/src/main.js` in its own process, so its peak memory is its own) by curl into `wc -l` (native
 * code, like psql into /dev/null), after a one-day warm-up export; rows per second and the gateway's peak RSS
 * (VmHWM, start-up included), on PostgreSQL and SQLite. On PostgreSQL, psql's `COPY (SELECT ...) TO STDOUT WITH
 * CSV` of the same rows runs in the same run as the reference: the same SELECT with raw columns (the target:
 * export >= 0.5x), and the export's own formatted SELECT (how much of the time is PostgreSQL's). On SQLite, a
 * plain better-sqlite3 `iterate()` + csv-stringify program over the same SELECT (bench/sqlite-reference.ts) runs
 * before each gateway run (the target: export >= 1.0x, the median of the per-run ratios).
 *
 *   npx tsx bench/export.ts [--stores postgres,sqlite] [--sizes 100000,1000000] [--runs 3]
 *        [--work-dir bench/.work/export] [--database-url postgres://...] [--gateway-node-options=--max-semi-space-size=4]
 *        [--no-build] [--out file.json]
 *
 * Seeding: one partner, 1,000 commissions per day from 2024-01-01 (so N rows = the first N/1000 days), COPY
 * FROM STDIN on PostgreSQL, prepared statements in transactions on SQLite. The SQLite file in the work folder
 * (and a PostgreSQL given with --database-url) is reused when it already holds the rows. Prints JSON.
 * `benchExport({ smoke })` gives the runner's figures; `runExportBenchmark(options)` the full JSON.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import copyStreams from 'pg-copy-streams';
import { openSession, sessionPolicyFrom } from '../src/auth/sessions.js';
import { parseDateRange } from '../src/common/index.js';
import { createExportSlots, openCsvExport, reportRawQuery, reportSqlForCopy, type ReportRequest } from '../src/reports/index.js';
import { cookieNames } from '../src/http/cookies.js';
import { buildSqliteFile, getKv, migrateToLatest, openStore, setKv, type Store, type StoreConfig } from '../src/store/index.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { cpuSeconds, median, peakRssMb, repoRoot, requireSoundStore, result, round, startGatewayProcess, type BenchResult } from './lib.js';
import { sqliteReferenceExport } from './sqlite-reference.js';

export interface ExportBenchOptions {
  stores?: Array<'postgres' | 'sqlite'>;
  /** Multiples of 1,000. */
  sizes?: number[];
  runs?: number;
  workDir?: string;
  databaseUrl?: string;
  /** NODE_OPTIONS for the gateway process, e.g. `--max-semi-space-size=2` (caps V8's young generation). */
  gatewayNodeOptions?: string;
}

interface Run {
  rowsPerSecond: number;
  seconds: number;
  bytes: number;
  baselineRssMb: number;
  peakRssMb: number;
  psqlRawRowsPerSecond?: number;
  psqlFormattedRowsPerSecond?: number;
  referenceRowsPerSecond?: number;
  referencePeakRssMb?: number;
  /** CPU seconds of the gateway process during the timed download, and of the reference program. */
  gatewayCpuSeconds?: number;
  referenceCpuSeconds?: number;
}

export interface ExportFigure {
  store: 'postgres' | 'sqlite';
  rows: number;
  bytes: number;
  /** Medians over the runs. */
  rowsPerSecond: number;
  peakRssMb: number;
  baselineRssMb: number;
  psqlRawRowsPerSecond?: number;
  psqlFormattedRowsPerSecond?: number;
  /** rowsPerSecond / psqlRawRowsPerSecond (target >= 0.5). */
  ratioToCopy?: number;
  /** SQLite: plain better-sqlite3 iterate() + csv-stringify of the same SELECT (bench/sqlite-reference.ts). */
  referenceRowsPerSecond?: number;
  referencePeakRssMb?: number;
  /** rowsPerSecond / referenceRowsPerSecond (target >= 1.0). */
  ratioToReference?: number;
  /** referenceCpuSeconds / gatewayCpuSeconds: the same comparison by CPU time, which a loaded machine disturbs less. */
  cpuRatioToReference?: number;
  runs: Run[];
}

export interface ExportBenchResult {
  node: string;
  gatewayNodeOptions: string | null;
  cpus: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  seedSeconds: Record<string, number | 'reused'>;
  /** `partnergate db check` on each store after its runs ('db check ok'; a failed check throws). */
  storeCheck: Record<string, string>;
  figures: ExportFigure[];
  /** In-process csv-stringify through a pg cursor at the smallest size (the engine COPY replaces). */
  pgCursorStringifyRowsPerSecond?: number;
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const PER_DAY = 1000;
const SEED_KEY = 'bench.export.seed';
const STATUSES = ['approved', 'paid', 'pending', 'approved', 'declined', 'refunded', 'paid'] as const;

/** The values of commission `i` in column order of {@link COLUMNS}. */
function commissionRow(i: number, partnerId: number, contactId: number): Array<string | number | null> {
  const at = T0 + Math.floor(i * (86_400_000 / PER_DAY));
  const status = STATUSES[i % STATUSES.length]!;
  const clawback = i % 50 === 49;
  const sub = i % 1000 === 7 ? '=HYPERLINK("http://x")' : i % 3 === 0 ? null : `sub-${i % 1000}`;
  return [partnerId, contactId, 1 + (i % 20), i % 4 === 0 ? null : 1 + (i % 5), sub, clawback ? 'clawback' : 'sale', clawback ? 'approved' : status,
    clawback ? -((i * 7919) % 5000) - 1 : (i * 7919) % 20000, 'USD', at, status === 'pending' ? null : at + 3_600_000, status === 'paid' ? at + 86_400_000 : null, at];
}
const COLUMNS = ['partner_id', 'contact_id', 'product_id', 'promo_tool_id', 'sub_id', 'kind', 'status', 'amount_cents', 'currency', 'transaction_at', 'processed_at', 'paid_at', 'updated_at'];

async function seed(store: Store, rows: number): Promise<{ partnerId: number; seconds: number | 'reused' }> {
  const mark = await getKv<{ rows: number; partnerId: number }>(store.db, SEED_KEY);
  if (mark && mark.rows >= rows) return { partnerId: mark.partnerId, seconds: 'reused' };
  if (mark) throw new Error(`the bench store holds ${mark.rows} rows; use a fresh --work-dir / database for ${rows}`);
  const started = Date.now();
  const db = store.db;
  const now = Date.now();
  const program = await db.insertInto('programs').values({ ontraport_id: null, name: 'Bench', currency: 'USD', tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow();
  const contact = await db.insertInto('contacts').values({ ontraport_id: null, first_name: 'Bench', last_name: 'Partner', email: 'bench@partners.test', first_referrer_id: null, last_referrer_id: null, added_at: now, updated_at: now, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null }).returning('id').executeTakeFirstOrThrow();
  const partner = await db.insertInto('partners').values({ contact_id: contact.id, referral_code: 'bench', program_id: program.id, paypal_email: null, status: 'active', time_zone: 'UTC', alias: null, created_at: now, updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow();
  for (let p = 1; p <= 20; p++) await db.insertInto('products').values({ ontraport_id: null, name: p === 3 ? '=cmd|calc' : `Product ${p}, "edition"`, price_cents: 1000 * p, currency: 'USD', updated_at: now, synced_at: null }).execute();
  for (let t = 1; t <= 5; t++) await db.insertInto('promo_tools').values({ ontraport_id: null, program_id: program.id, kind: 'banner', name: `Banner ${t}`, subject: null, body: null, image_url: null, width: null, height: null, landing_path: '/', updated_at: now, synced_at: null }).execute();
  if (store.kind === 'postgres') {
    const client = await store.pgPool!.connect();
    try {
      const stream = client.query(copyStreams.from(`COPY commissions (${COLUMNS.join(', ')}) FROM STDIN`));
      const done = new Promise<void>((res, rej) => stream.on('finish', res).on('error', rej));
      let chunk = '';
      for (let i = 0; i < rows; i++) {
        chunk += `${commissionRow(i, partner.id, contact.id).map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`;
        if (chunk.length > 65_536) {
          if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
          chunk = '';
        }
      }
      stream.end(chunk);
      await done;
      await client.query('ANALYZE commissions');
    } finally {
      client.release();
    }
  } else {
    const insert = store.sqlite!.prepare(`INSERT INTO commissions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    const batch = store.sqlite!.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(...commissionRow(i, partner.id, contact.id));
    });
    for (let i = 0; i < rows; i += 100_000) batch(i, Math.min(rows, i + 100_000));
    store.sqlite!.exec('ANALYZE');
  }
  await setKv(store.db, SEED_KEY, { rows, partnerId: partner.id });
  return { partnerId: partner.id, seconds: round((Date.now() - started) / 1000, 1) };
}

function rangeOf(rows: number) {
  const last = new Date(T0 + (rows / PER_DAY - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from: '2024-01-01', to: last };
}

/**
 * GETs the export with curl into `wc -l` (native code on both ends, like psql into /dev/null): curl's total time
 * (connection to last byte, no process start-up), bytes and lines. pipefail makes an incomplete transfer (curl exit 18) a failure.
 */
function download(url: string, cookie: string): Promise<{ bytes: number; lines: number; seconds: number }> {
  return new Promise((resolvePromise, reject) => {
    const script = 'set -o pipefail; curl -sS --fail -H "Cookie: $COOKIE" -w "%{stderr}%{size_download} %{time_total}\\n" "$URL" | wc -l';
    const child = spawn('bash', ['-c', script], { env: { ...process.env, COOKIE: cookie, URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      const lines = Number(out.trim());
      const [bytes, seconds] = err.trim().split(' ').map(Number) as [number, number];
      if (code !== 0 || !Number.isFinite(lines) || !Number.isFinite(bytes) || !(seconds > 0)) return reject(new Error(`download failed (${code}): ${err.trim()}`));
      resolvePromise({ bytes, lines, seconds });
    });
  });
}

/** Wall time of psql running `COPY (select) TO STDOUT WITH CSV` into /dev/null. */
function psqlCopy(url: string, select: string, settings: string[] = []): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, ...settings.flatMap((s) => ['-c', s]), '-c', `COPY (${select}) TO STDOUT WITH CSV`];
    const started = process.hrtime.bigint();
    const child = spawn('psql', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolvePromise(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`psql failed: ${err}`))));
  });
}

async function measureStore(kind: 'postgres' | 'sqlite', config: StoreConfig, pgUrl: string | undefined, o: Required<Pick<ExportBenchOptions, 'sizes' | 'runs'>> & ExportBenchOptions, out: ExportBenchResult): Promise<void> {
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    const { partnerId, seconds } = await seed(store, Math.max(...o.sizes));
    out.seedSeconds[kind] ??= seconds;
    const account =
      (await store.db.selectFrom('accounts').select('id').where('partner_id', '=', partnerId).executeTakeFirst()) ??
      (await store.db.insertInto('accounts').values({ partner_id: partnerId, email: 'bench@partners.test', role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null }).returning('id').executeTakeFirstOrThrow());
    const { cookieValue } = await openSession(store.db, sessionPolicyFrom({ sessionIdleMinutes: 600, sessionAbsoluteHours: 24 }), { accountId: account.id, method: 'password' });
    const cookie = `${cookieNames(false).session}=${cookieValue}`;
    const env: Record<string, string> = { PARTNERGATE_WORKERS: '1', PARTNERGATE_SESSION_IDLE_MINUTES: '600', ...(o.gatewayNodeOptions ? { NODE_OPTIONS: o.gatewayNodeOptions } : {}), ...(kind === 'postgres' ? { DATABASE_URL: pgUrl! } : { PARTNERGATE_SQLITE_PATH: (config as { path: string }).path }) };
    for (const rows of o.sizes) {
      const range = rangeOf(rows);
      const request: ReportRequest = { report: 'commissions', partnerId, range: parseDateRange(range, 'UTC', { maxDays: 36_600 }), currency: 'USD', options: {} };
      const sqlText = kind === 'postgres' ? reportSqlForCopy(store.db, request) : undefined;
      const rawQuery = kind === 'sqlite' ? reportRawQuery(store.db, request) : undefined;
      const runs: Run[] = [];
      for (let r = 0; r < o.runs; r++) {
        const run: Partial<Run> = {};
        if (sqlText) {
          run.psqlRawRowsPerSecond = round(rows / (await psqlCopy(pgUrl!, sqlText.raw)));
          run.psqlFormattedRowsPerSecond = round(rows / (await psqlCopy(pgUrl!, sqlText.formatted, ["SET DateStyle = 'ISO, YMD'", "SET TimeZone = 'UTC'"])));
        }
        if (rawQuery) {
          const ref = await sqliteReferenceExport((config as { path: string }).path, rawQuery);
          if (ref.lines !== rows + 1) throw new Error(`reference export of ${rows} rows gave ${ref.lines - 1}`);
          Object.assign(run, { referenceRowsPerSecond: ref.rowsPerSecond, referencePeakRssMb: ref.peakRssMb, referenceCpuSeconds: ref.cpuSeconds });
        }
        const gw = await startGatewayProcess(env);
        try {
          run.baselineRssMb = peakRssMb(gw.pid);
          // Warm-up: a one-day export first, so the timed one measures a running gateway, not V8's first compile.
          await download(`${gw.url}/partner-center/exports/commissions.csv?from=${range.from}&to=${range.from}`, cookie);
          const cpuBefore = cpuSeconds(gw.pid);
          const got = await download(`${gw.url}/partner-center/exports/commissions.csv?from=${range.from}&to=${range.to}`, cookie);
          run.gatewayCpuSeconds = round(cpuSeconds(gw.pid) - cpuBefore, 2);
          if (got.lines !== rows + 1) throw new Error(`export of ${rows} rows gave ${got.lines - 1}`);
          run.peakRssMb = peakRssMb(gw.pid);
          Object.assign(run, { seconds: round(got.seconds, 3), bytes: got.bytes, rowsPerSecond: round(rows / got.seconds) });
        } finally {
          await gw.stop();
        }
        runs.push(run as Run);
      }
      const med = (k: keyof Run) => round(median(runs.map((x) => x[k] as number)), 1);
      const figure: ExportFigure = { store: kind, rows, bytes: runs[0]!.bytes, rowsPerSecond: med('rowsPerSecond'), peakRssMb: med('peakRssMb'), baselineRssMb: med('baselineRssMb'), runs };
      if (sqlText) {
        figure.psqlRawRowsPerSecond = med('psqlRawRowsPerSecond');
        figure.psqlFormattedRowsPerSecond = med('psqlFormattedRowsPerSecond');
        figure.ratioToCopy = round(figure.rowsPerSecond / figure.psqlRawRowsPerSecond, 3);
      }
      if (rawQuery) {
        figure.referenceRowsPerSecond = med('referenceRowsPerSecond');
        figure.referencePeakRssMb = med('referencePeakRssMb');
        // Per run, then the median: gateway and reference ran back to back, so each pair saw the same load.
        figure.ratioToReference = round(median(runs.map((x) => x.rowsPerSecond / x.referenceRowsPerSecond!)), 3);
        figure.cpuRatioToReference = round(median(runs.map((x) => x.referenceCpuSeconds! / x.gatewayCpuSeconds!)), 3);
      }
      out.figures.push(figure);
      process.stderr.write(`export ${kind} ${rows}: ${JSON.stringify({ ...figure, runs: undefined })}\n`);
    }
    if (kind === 'postgres') {
      const rows = Math.min(...o.sizes);
      const request: ReportRequest = { report: 'commissions', partnerId, range: parseDateRange(rangeOf(rows), 'UTC', { maxDays: 36_600 }), currency: 'USD', options: {} };
      const started = process.hrtime.bigint();
      const { body } = await openCsvExport(store, createExportSlots(), request, { engine: 'stringify' });
      for await (const _chunk of body) void _chunk;
      out.pgCursorStringifyRowsPerSecond = round(rows / (Number(process.hrtime.bigint() - started) / 1e9));
    }
  } finally {
    await store.close();
  }
}

/**
 * The kept SQLite store: reused when seeded and sound, else built in one piece, so a load killed half-way never
 * leaves a store whose seed marker is missing (a second seed on top would double the rows).
 */
async function keptSqliteStore(file: string, rows: number, out: ExportBenchResult): Promise<StoreConfig> {
  const config: StoreConfig = { kind: 'sqlite', path: file };
  if (existsSync(file)) {
    const ready = await requireSoundStore('export (kept store)', config).then(
      async () => {
        const store = await openStore(config);
        try {
          return ((await getKv<{ rows: number }>(store.db, SEED_KEY))?.rows ?? 0) >= rows;
        } catch {
          return false;
        } finally {
          await store.close();
        }
      },
      (err: Error) => {
        process.stderr.write(`  ${err.message}: rebuilding\n`);
        return false;
      },
    );
    if (ready) return config;
  }
  await buildSqliteFile(file, async (store) => {
    out.seedSeconds.sqlite = (await seed(store, rows)).seconds;
  });
  return config;
}

export async function runExportBenchmark(options: ExportBenchOptions = {}): Promise<ExportBenchResult> {
  const o = { ...options, stores: options.stores ?? ['postgres', 'sqlite'], sizes: options.sizes ?? [100_000, 1_000_000], runs: options.runs ?? 3, workDir: resolve(options.workDir ?? join(repoRoot, 'bench/.work/export')) };
  for (const s of o.sizes) if (s % PER_DAY !== 0 || s <= 0) throw new Error(`sizes must be multiples of ${PER_DAY}`);
  if (!existsSync(join(repoRoot, 'dist/src/main.js'))) throw new Error('build first (npm run build): the gateway runs from dist/src/main.js');
  mkdirSync(o.workDir, { recursive: true });
  const out: ExportBenchResult = { node: process.version, gatewayNodeOptions: options.gatewayNodeOptions ?? null, cpus: cpus().length, loadAverageBefore: loadavg().map((l) => round(l)), loadAverageAfter: [], seedSeconds: {}, storeCheck: {}, figures: [] };
  let pg: PostgresServer | undefined;
  try {
    for (const kind of o.stores) {
      if (kind === 'sqlite') {
        const config = await keptSqliteStore(join(o.workDir, `export-${Math.max(...o.sizes)}.sqlite`), Math.max(...o.sizes), out);
        await measureStore('sqlite', config, undefined, o, out);
        out.storeCheck.sqlite = await requireSoundStore('export sqlite', config);
      } else {
        let url = options.databaseUrl;
        if (!url) {
          pg = await startPostgres();
          url = await pg.createDatabase('bench_export');
        }
        await measureStore('postgres', { kind: 'postgres', url }, url, o, out);
        out.storeCheck.postgres = await requireSoundStore('export postgres', { kind: 'postgres', url });
      }
    }
  } finally {
    await pg?.stop();
  }
  out.loadAverageAfter = loadavg().map((l) => round(l));
  return out;
}

/** The runner's figures: rows/s against psql COPY (PostgreSQL), and peak RSS against the 150 MB budget. */
export async function benchExport({ smoke }: { smoke: boolean }): Promise<BenchResult[]> {
  const r = await runExportBenchmark(smoke ? { sizes: [2_000, 4_000], runs: 1, workDir: join(repoRoot, 'bench/.work/export-smoke') } : {});
  const out: BenchResult[] = [];
  for (const f of r.figures) {
    const label = `export ${f.store} ${f.rows >= 1e6 ? `${f.rows / 1e6}M` : `${f.rows / 1e3}k`} rows`;
    const ratios = f.runs.map((x) => (x.referenceRowsPerSecond ? round(x.rowsPerSecond / x.referenceRowsPerSecond, 2) : 0)).join(', ');
    out.push(
      f.psqlRawRowsPerSecond
        ? result(`${label}: rows/s`, f.rowsPerSecond, 'rows/s', { name: 'psql COPY (same SELECT, raw columns)', value: f.psqlRawRowsPerSecond }, `formatted-SQL COPY via psql: ${f.psqlFormattedRowsPerSecond} rows/s; target ratio >= 0.5`)
        : f.referenceRowsPerSecond
          ? result(`${label}: rows/s`, f.rowsPerSecond, 'rows/s', { name: 'better-sqlite3 iterate() + csv-stringify (same SELECT, raw columns)', value: f.referenceRowsPerSecond }, `median of per-run ratios ${f.ratioToReference}x (runs: ${ratios}); by CPU time (reference CPU s / gateway CPU s, median) ${f.cpuRatioToReference}x; reference peak RSS ${f.referencePeakRssMb} MB; target ratio >= 1.0, goal 350k rows/s`)
          : result(`${label}: rows/s`, f.rowsPerSecond, 'rows/s'),
      result(`${label}: gateway peak RSS`, f.peakRssMb, 'MB', { name: 'budget', value: 150, higherIsBetter: false }, `after start-up: ${f.baselineRssMb} MB; ${r.storeCheck[f.store]} after the runs`),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const cmd = new Command()
    .option('--stores <list>', 'postgres,sqlite', 'postgres,sqlite')
    .option('--sizes <list>', 'row counts (multiples of 1000)', '100000,1000000')
    .option('--runs <n>', 'runs per size (median reported)', '3')
    .option('--work-dir <dir>', 'where the SQLite store is kept and reused', join(repoRoot, 'bench/.work/export'))
    .option('--database-url <url>', 'a PostgreSQL database to use (seeded when empty) instead of a throw-away server')
    .option('--gateway-node-options <flags>', 'NODE_OPTIONS for the gateway process, e.g. --max-semi-space-size=2')
    .option('--no-build', 'do not run tsc first (dist/src/main.js must be current)')
    .option('--out <file>', 'also write the JSON here')
    .parse();
  const opts = cmd.opts<{ stores: string; sizes: string; runs: string; workDir: string; databaseUrl?: string; gatewayNodeOptions?: string; build: boolean; out?: string }>();
  if (opts.build) execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.json')], { stdio: 'inherit' });
  const res = await runExportBenchmark({
    stores: opts.stores.split(',') as ExportBenchOptions['stores'],
    sizes: opts.sizes.split(',').map(Number),
    runs: Number(opts.runs),
    workDir: opts.workDir,
    databaseUrl: opts.databaseUrl,
    gatewayNodeOptions: opts.gatewayNodeOptions,
  });
  const json = JSON.stringify(res, null, 2);
  if (opts.out) writeFileSync(opts.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
