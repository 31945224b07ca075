/**
 * Adapters that turn the stand-alone benchmark scripts written by other engineers (bench/leaderboard.ts,
 * bench/demo-generator.ts) into the runner's `BenchResult` figures, with their references: latency budgets for
 * pages, the live GROUP BY for the leaderboard's snapshot, and plain rows per second for the generator.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BenchFailure, repoRoot, result, type BenchResult } from './lib.js';

const execFileP = promisify(execFile);

/** The SQLite demo store benchmark 4 (bench/pages.ts) generates and keeps; the leaderboard reuses it. */
export function pagesStorePath(smoke: boolean): string {
  return smoke ? join(repoRoot, 'bench/.work/leaderboard-smoke.sqlite') : join(repoRoot, 'bench/.work/pages-100000-5000000.sqlite');
}

export async function leaderboardFigures(smoke: boolean): Promise<BenchResult[]> {
  const { benchLeaderboard } = await import('./leaderboard.js');
  const r = await benchLeaderboard({
    store: 'sqlite',
    sqlitePath: pagesStorePath(smoke),
    partners: smoke ? 500 : 100_000,
    commissions: smoke ? 20_000 : 5_000_000,
    requests: smoke ? 60 : 400,
  });
  if (r.non200) throw new BenchFailure(`leaderboard: ${r.non200} answers other than 200 in the measured run (${JSON.stringify(r.failures)}); no figure is written`);
  const scale = `${r.partners} partners, ${r.commissions} commissions, ${r.store}, ${r.requests} requests, 0 non-200; ${r.storeCheck} after the run`;
  return [
    result('leaderboard page p95', r.p95Ms, 'ms', { name: 'budget 100 ms', value: 100, higherIsBetter: false }, scale),
    result('leaderboard page p50', r.p50Ms, 'ms'),
    result('leaderboard page p99', r.p99Ms, 'ms'),
    result('leaderboard snapshot refresh (after a sync)', r.snapshotRefreshMs, 'ms', undefined, `${r.snapshotRows} ranked partners`),
    result('leaderboard longest event-loop stall during the refresh', r.refreshLoopStallMs, 'ms', { name: 'budget 100 ms', value: 100, higherIsBetter: false }),
    result('leaderboard live GROUP BY per request (the design not chosen)', r.liveGroupByMs, 'ms', { name: 'page p95 with the snapshot', value: r.p95Ms, higherIsBetter: false }, 'ratio below 1: the live query alone is that many times slower than the whole page'),
  ];
}

export async function generatorFigures(smoke: boolean): Promise<BenchResult[]> {
  // The foundation issue's size and budget: 100,000 partners and 5,000,000 commissions in under 3 minutes.
  const partners = smoke ? 500 : 100_000;
  const commissions = smoke ? 20_000 : 5_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-gen-bench-'));
  try {
    const out = join(dir, 'result.json');
    await execFileP(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'bench/demo-generator.ts'), '--partners', String(partners), '--commissions', String(commissions), '--store', 'sqlite', '--out', out], {
      cwd: repoRoot,
      timeout: 30 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as { seconds: number; totalRows: number; rowsPerSecond: number; commissionsPerSecond: number; peakRssMiB: number; indexSeconds?: number };
    const scale = `${partners} partners, ${commissions} commissions into SQLite`;
    return [
      result('generator rows/s', r.rowsPerSecond, 'rows/s', undefined, `${r.totalRows} rows in all tables, ${scale}`),
      result('generator commissions/s', r.commissionsPerSecond, 'rows/s'),
      result('generator wall time', r.seconds, 's', smoke ? undefined : { name: 'budget 180 s', value: 180, higherIsBetter: false }, r.indexSeconds !== undefined ? `of which index rebuild ${r.indexSeconds} s` : undefined),
      result('generator peak RSS', r.peakRssMiB, 'MB'),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
