/**
 * Measures the demo-data generator: loads N partners and M commissions into a fresh SQLite file or a throw-away
 * PostgreSQL and prints seconds, rows per second and peak memory as JSON.
 *
 *   npx tsx bench/demo-generator.ts --partners 100000 --commissions 5000000 --store sqlite [--out file]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { generateDemoData, type DemoSummary } from '../src/demo/index.js';
import { buildSqliteFile, migrateToLatest, openStore, type Store, type StoreConfig } from '../src/store/index.js';
import { requireSoundStore } from './lib.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';

const program = new Command()
  .option('--partners <n>', 'partners', '100000')
  .option('--commissions <n>', 'commissions', '5000000')
  .option('--visits-per-commission <n>', 'clicks per commission', '2')
  .option('--store <kind>', 'sqlite or postgres', 'sqlite')
  .option('--seed <n>', 'seed', '1')
  .option('--rebuild-indexes <when>', 'drop and rebuild secondary indexes: yes, no or auto', 'auto')
  .option('--keep', 'keep the SQLite file (its path is printed)')
  .option('--out <file>', 'also write the JSON result here')
  .parse();
const o = program.opts<{ partners: string; commissions: string; visitsPerCommission: string; store: string; seed: string; keep?: boolean; out?: string; rebuildIndexes: string }>();

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

let pg: PostgresServer | undefined;
let dir: string | undefined;
let lastLog = 0;
const options = {
  seed: Number(o.seed),
  partners: Number(o.partners),
  commissions: Number(o.commissions),
  visitsPerCommission: Number(o.visitsPerCommission),
  rebuildIndexes: o.rebuildIndexes === 'auto' ? undefined : o.rebuildIndexes === 'yes',
  onProgress: (p: { table: string; rows: number; totalRows: number }) => {
    const t = performance.now();
    if (t - lastLog > 5000) {
      lastLog = t;
      process.stderr.write(`${(t / 1000).toFixed(0)}s ${p.table} ${p.rows} rows, ${p.totalRows} in all\n`);
    }
  },
};
let summary: DemoSummary;
let storeConfig: StoreConfig;
if (o.store === 'postgres') {
  pg = await startPostgres();
  storeConfig = { kind: 'postgres', url: await pg.createDatabase('demo_bench') };
  const store: Store = await openStore(storeConfig);
  try {
    await migrateToLatest(store.db, store.kind);
    summary = await generateDemoData(store, options);
  } finally {
    await store.close();
  }
} else {
  // As every bulk load of a SQLite store: into a temporary file, closed cleanly and renamed (store/build.ts).
  dir = mkdtempSync(join(tmpdir(), 'partnergate-demo-bench-'));
  storeConfig = { kind: 'sqlite', path: join(dir, 'demo.sqlite') };
  summary = await buildSqliteFile(storeConfig.path, (store) => generateDemoData(store, options));
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const result = {
  store: o.store,
  partners: Number(o.partners),
  commissions: Number(o.commissions),
  seconds: summary.seconds,
  indexSeconds: summary.indexSeconds,
  cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e5) / 10,
  totalRows: summary.totalRows,
  rowsPerSecond: summary.rowsPerSecond,
  commissionsPerSecond: Math.round(summary.rows.commissions / summary.seconds),
  peakRssMiB: Math.round(peakRss / 1048576),
  maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  rows: summary.rows,
  sqliteFileMiB: dir ? Math.round(statSync(join(dir, 'demo.sqlite')).size / 1048576) : undefined,
  cpus: (await import('node:os')).cpus().length,
  loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
  node: process.version,
  storeCheck: await requireSoundStore('generator', storeConfig),
};
console.log(JSON.stringify(result, null, 2));
if (o.out) writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');

if (pg) await pg.stop();
if (dir && !o.keep) rmSync(dir, { recursive: true, force: true });
else if (dir) console.error(`kept ${join(dir, 'demo.sqlite')}`);
