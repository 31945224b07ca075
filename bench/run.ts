/**
 * `npm run bench [-- NAME...] [-- --smoke] [-- --no-build]`: runs the benchmarks, prints a table, rewrites BENCHMARKS.md and
 * bench/results.json (one entry per figure: name, value, unit, reference, referenceValue, ratio, date).
 * Each benchmark starts and stops its own loopback servers and is bounded in time. `--smoke` runs every
 * benchmark briefly on small data, to keep the scripts working in CI; its figures are not written to
 * BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { leaderboardFigures, generatorFigures } from './adapters.js';
import { repoRoot, type BenchResult } from './lib.js';

type Bench = { name: string; what: string; run(smoke: boolean): Promise<BenchResult[]> };

const benches: Bench[] = [
  {
    name: 'proxy',
    what: 'Pass-through proxy: each variant against its reference in interleaved pairs of 2 s rounds (12 pairs, ABBA order; ratio = median of per-pair ratios, spread in the note), 12 KB page with two Set-Cookie, 64 keep-alive connections',
    run: async (smoke) => (await import('./proxy.js')).benchProxy(smoke ? { seconds: 1, pairs: 2 } : { seconds: 2, pairs: 12 }),
  },
];

async function optional(file: string, exportName: string, what: string, name: string): Promise<void> {
  if (!existsSync(join(repoRoot, 'bench', `${file}.ts`))) return;
  const mod = (await import(`./${file}.js`)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn === 'function') benches.push({ name, what, run: (smoke) => (fn as (o: { smoke: boolean }) => Promise<BenchResult[]>)({ smoke }) });
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => `| ${r.name} | ${r.value} ${r.unit} | ${r.reference ?? ''} | ${r.referenceValue ?? ''} | ${r.ratio === null ? '' : `${r.ratio}x`} |${r.note ? ` ${r.note}` : ''}`);
  return ['| figure | value | reference | reference value | ratio |', '|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const only = args.filter((a) => !a.startsWith('--'));
  await optional('wordpress', 'benchWordpress', 'Real WordPress: front page and a static asset, through the gateway vs direct', 'wordpress');
  await optional('export', 'benchExport', 'CSV export of 100k and 1M commission rows vs PostgreSQL COPY (PostgreSQL) and a plain better-sqlite3 iterate() + csv-stringify program (SQLite), same rows, same run', 'export');
  await optional('pages', 'benchPages', 'Partner pages on the 100k partner / 5M commission store, 16 concurrent partners', 'pages');
  await optional('migration', 'benchMigration', 'Situation 2 for 100,000 partners on the built code (plain Node, as `partnergate migrate` runs): apply (commits and queues), a re-run with nothing to do, the outbox drained to a counting SMTP sink, and a bare nodemailer pool to the same sink as the drain\'s reference, same run', 'migration');
  await optional('cluster-load', 'benchClusterLoad', 'Two gateways on one PostgreSQL (one process and PARTNERGATE_WORKERS=2), 100 concurrent clients for 60 s: partner pages, CSV exports, proxied pages (nginx upstream) and sign-ins; any gateway 5xx, unexpected status or socket error fails the run', 'cluster-load');
  await optional('sync', 'benchSync', 'Ontraport full and 1% incremental sync of 100,000 contacts against the rate-limited emulator', 'sync');
  benches.push(
    { name: 'leaderboard', what: 'Leaderboard page on the 100k partner / 5M commission SQLite store (one request at a time, a different partner each), the snapshot refresh after a sync and the live GROUP BY it replaces', run: leaderboardFigures },
    { name: 'generator', what: 'Demo-data generator (bench/demo-generator.ts): 100,000 partners and 5,000,000 commissions into a fresh SQLite file (budget: 3 minutes)', run: generatorFigures },
  );
  const selected = only.length ? benches.filter((b) => only.includes(b.name)) : benches;
  if (only.length && selected.length !== only.length) {
    process.stderr.write(`unknown benchmark; known: ${benches.map((b) => b.name).join(', ')}\n`);
    process.exit(2);
  }
  // The gateway runs from dist/: build it first unless told it is current (`--no-build`).
  if (!args.includes('--no-build')) execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.json')], { stdio: 'inherit' });

  const resultsFile = join(repoRoot, 'bench/results.json');
  const fresh: BenchResult[] = [];
  const sections: string[] = [];
  for (const b of selected) {
    process.stderr.write(`bench ${b.name}${smoke ? ' (smoke)' : ''}...\n`);
    const started = Date.now();
    const loadBefore = loadavg()[0]!.toFixed(1);
    const results = await b.run(smoke);
    fresh.push(...results);
    const load = `load average (1 min) ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} cores`;
    sections.push(`## ${b.name}\n\n${b.what}. (${Math.round((Date.now() - started) / 1000)} s; ${load})\n\n${table(results)}\n`);
    process.stdout.write(`\n${b.name}\n${table(results)}\n`);
  }
  if (smoke) {
    process.stdout.write(`\nsmoke run: ${fresh.length} figures from ${selected.length} benchmarks (not written)\n`);
    return;
  }
  // Read now, not at the start: another benchmark run may have written its figures meanwhile.
  const previous: BenchResult[] = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : [];
  const freshNames = new Set(fresh.map((r) => r.name));
  const merged = [...previous.filter((r) => !freshNames.has(r.name)), ...fresh];
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);
  const mdFile = join(repoRoot, 'BENCHMARKS.md');
  const header = `# Benchmarks\n\nWritten by \`npm run bench\`. Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Each figure is set against a reference measured in the same run on the same machine; a ratio above 1 means better than the reference. Each section names the load average before and after it: above the core count, other work shared the CPU during the measurement and absolute figures are low (references were measured interleaved in the same run, so ratios suffer less).\n`;
  const analysisFile = join(repoRoot, 'bench/analysis.md');
  const analysis = existsSync(analysisFile) ? `\n${readFileSync(analysisFile, 'utf8')}` : '';
  const prevMd = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : '';
  // Keep the previous run's sections of benchmarks not re-run now; everything else (the analysis) is rewritten.
  const isSectionOf = (s: string, b: { name: string }) => s.startsWith(`## ${b.name}\n`);
  const keep = prevMd.split(/\n(?=## )/).filter((s) => benches.some((b) => isSectionOf(s, b)) && !selected.some((b) => isSectionOf(s, b)));
  writeFileSync(mdFile, `${header}\nLast run: ${new Date().toISOString()}\n\n${[...keep.map((s) => s.trimEnd() + '\n'), ...sections].join('\n')}${analysis}`);
  process.stdout.write(`\nwrote BENCHMARKS.md and bench/results.json\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
