/**
 * Leaderboard latency at scale: the `/partner-center/leaderboard` page (earned_last_year over the viewer's tier
 * ladder, top 10 + the viewer's own rank) on a 100k partner / 5M commission demo store, through a real gateway
 * in this process, signed in as a different random partner for each request (including partners with no
 * commissions, whose rank count walks the most index entries). Also measures the two designs the page could use:
 * the snapshot refresh (one GROUP BY into `rollup_values`, what runs after a sync) and a live indexed GROUP BY per
 * request (the alternative that was not chosen).
 *
 *   npx tsx bench/leaderboard.ts --store sqlite|postgres [--partners 100000] [--commissions 5000000]
 *        [--requests 400] [--concurrency 1] [--sqlite-path bench/.work/leaderboard.sqlite] [--out file.json]
 *
 * `benchLeaderboard(options)` returns the same JSON for the benchmarks runner.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { openSession } from '../src/auth/sessions.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/common/index.js';
import { createGateway } from '../src/gateway.js';
import { loadBlocksConfig } from '../src/blocks/index.js';
import { rankingView, refreshRanking, rowsKeyOf } from '../src/blocks/rankings.js';
import { blocksDepsOf } from '../src/blocks/service-deps.js';
import { valuesForAll } from '../src/blocks/rollups.repo.js';
import { buildSqliteFile, migrateToLatest, openStore, type Store, type StoreConfig } from '../src/store/index.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { requireSoundStore } from './lib.js';

export interface LeaderboardBenchOptions {
  store: 'sqlite' | 'postgres';
  partners?: number;
  commissions?: number;
  requests?: number;
  concurrency?: number;
  /** Reuse (or create and keep) this SQLite file; default: a temporary file removed at the end. */
  sqlitePath?: string;
  /** Use this PostgreSQL database (loaded when empty); default: a throw-away server. */
  databaseUrl?: string;
  seed?: number;
}

export interface LeaderboardBenchResult {
  store: string;
  partners: number;
  commissions: number;
  requests: number;
  concurrency: number;
  /** Full page (HTTP, session, snapshot freshness check, top 10, viewer rank, render), ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non200: number;
  /** Status and page heading of each kind of failed request. */
  failures: Record<string, number>;
  /** The same gateway's `/healthz` (no session, no store), for calibration: the floor on this machine, ms. */
  healthzP50Ms: number;
  healthzP95Ms: number;
  /** The leaderboard service alone (freshness check, top 10, viewer rank; no HTTP, session or template), ms. */
  serviceP50Ms: number;
  serviceP95Ms: number;
  /** Load average (1 min) when the run ended: other work on the machine inflates every figure. */
  loadAverage: number;
  /** Rebuilding the snapshot of the ranking (one INSERT ... SELECT ... GROUP BY), ms: after each sync. */
  snapshotRefreshMs: number;
  snapshotRows: number;
  /** Longest event-loop stall of the gateway's process while the snapshot was rebuilt (SQLite: built by a worker thread), ms. */
  refreshLoopStallMs: number;
  /** The alternative: the same rollup as a live GROUP BY over every partner, per request, ms (median of 3). */
  liveGroupByMs: number;
  loadSeconds: number | null;
  /** `partnergate db check` on the store after the run ('db check ok'; a failed check throws). */
  storeCheck: string;
  node: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (v: number) => Math.round(v * 100) / 100;

async function loadIfEmpty(store: Store, partners: number, commissions: number, seed: number): Promise<number | null> {
  const has = await store.db.selectFrom('partners').select(store.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(has.n) > 0) return null;
  // The demo-data generator (src/demo) bulk-loads the store; imported lazily so this file has no load-time tie to it.
  const demo = (await import('../src/demo/index.js' as string)) as { generateDemoData: (s: Store, o: object) => Promise<{ seconds: number }> };
  let last = 0;
  const summary = await demo.generateDemoData(store, {
    seed, partners, commissions,
    onProgress: (p: { table: string; totalRows: number }) => {
      if (performance.now() - last > 10_000) {
        last = performance.now();
        process.stderr.write(`  loading: ${p.table}, ${p.totalRows} rows so far\n`);
      }
    },
  });
  return summary.seconds;
}

async function openBenchStore(o: LeaderboardBenchOptions): Promise<{ config: StoreConfig; cleanup: () => Promise<void> }> {
  if (o.store === 'postgres') {
    if (o.databaseUrl) return { config: { kind: 'postgres', url: o.databaseUrl }, cleanup: async () => {} };
    const pg: PostgresServer = await startPostgres();
    return { config: { kind: 'postgres', url: await pg.createDatabase('leaderboard') }, cleanup: () => pg.stop() };
  }
  if (o.sqlitePath) {
    mkdirSync(dirname(o.sqlitePath), { recursive: true });
    // A kept file is reused only when sound; a new one is built in one piece (a killed load leaves no half file).
    let sound = existsSync(o.sqlitePath);
    if (sound) {
      await requireSoundStore('leaderboard (kept store)', { kind: 'sqlite', path: o.sqlitePath }).catch((err: Error) => {
        process.stderr.write(`  ${err.message}: rebuilding\n`);
        sound = false;
      });
    }
    if (!sound) await buildSqliteFile(o.sqlitePath, (store) => loadIfEmpty(store, o.partners ?? 100_000, o.commissions ?? 5_000_000, o.seed ?? 42));
    return { config: { kind: 'sqlite', path: o.sqlitePath }, cleanup: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-leaderboard-'));
  return { config: { kind: 'sqlite', path: join(dir, 'store.sqlite') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the benchmark; see the file comment. */
export async function benchLeaderboard(o: LeaderboardBenchOptions): Promise<LeaderboardBenchResult> {
  const partners = o.partners ?? 100_000;
  const commissions = o.commissions ?? 5_000_000;
  const requests = o.requests ?? 400;
  const concurrency = o.concurrency ?? 1;
  const { config: storeConfig, cleanup } = await openBenchStore(o);
  const store = await openStore(storeConfig);
  let result: LeaderboardBenchResult;
  try {
    await migrateToLatest(store.db, store.kind);
    const loadSeconds = await loadIfEmpty(store, partners, commissions, o.seed ?? 42);
    const blocks = loadBlocksConfig();
    const rollup = blocks.leaderboards.get('default')!.rollup;
    const bdeps = blocksDepsOf({ store, config: { defaultTimeZone: 'UTC' } });

    // Twice: the first build may find no snapshot; the second is what runs after each sync (a new generation).
    await refreshRanking(bdeps, rollup);
    // Event-loop stall: the longest gap between 10 ms ticks while the snapshot is rebuilt (a synchronous SQLite
    // build on the main thread would show its whole duration here).
    let lastTick = performance.now();
    let refreshLoopStallMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      refreshLoopStallMs = Math.max(refreshLoopStallMs, now - lastTick);
      lastTick = now;
    }, 10);
    const t0 = performance.now();
    const refreshed = await refreshRanking(bdeps, rollup);
    const snapshotRefreshMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 30));
    clearInterval(ticker);
    const live: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await valuesForAll(store.db, rollup, { timeZone: 'UTC', now: Date.now() });
      live.push(performance.now() - t);
    }
    live.sort((a, b) => a - b);

    const config = loadConfig({ PARTNERGATE_PORT: '0', PARTNERGATE_HOST: '127.0.0.1', PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test', PARTNERGATE_DEMO_DATA: 'off', PARTNERGATE_SESSION_IDLE_MINUTES: '600' });
    const gateway = await createGateway(config, { logger: createLogger('silent'), store });
    const { port } = await gateway.http.listen();
    try {
      // Viewers: random partners, a third of them without any commission in the last year (longest rank count).
      // Active partners only: an inactive partner is refused the partner center (403) by design.
      const ids = (await store.db.selectFrom('partners').select('id').where('status', '=', 'active').orderBy('id').execute()).map((r) => r.id);
      const { refreshed_at } = await store.db.selectFrom('rollup_snapshots').select('refreshed_at').where('ranking_key', '=', rollup.key).executeTakeFirstOrThrow();
      const ranked = new Set((await store.db.selectFrom('rollup_values').select('partner_id').where('ranking_key', '=', rowsKeyOf(rollup.key, refreshed_at)).execute()).map((r) => r.partner_id));
      const unranked = ids.filter((id) => !ranked.has(id));
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const viewers = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 && unranked.length ? unranked[Math.floor(rand() * unranked.length)]! : ids[Math.floor(rand() * ids.length)]!));
      const cookies: string[] = [];
      for (const partnerId of viewers) {
        let account = await store.db.selectFrom('accounts').select('id').where('partner_id', '=', partnerId).executeTakeFirst();
        account ??= await store.db
          .insertInto('accounts')
          .values({ partner_id: partnerId, email: `leaderboard-bench-${partnerId}@bench.invalid`, role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        const { cookieValue } = await openSession(store.db, gateway.deps.sessionPolicy, { accountId: account.id, method: 'password' });
        cookies.push(`${gateway.deps.cookies.session}=${cookieValue}`);
      }
      const url = `http://127.0.0.1:${port}/partner-center/leaderboard`;
      let non200 = 0;
      const failures: Record<string, number> = {};
      const hit = async (i: number) => {
        const t = performance.now();
        const res = await fetch(url, { headers: { cookie: cookies[i % cookies.length]! } });
        const body = await res.text();
        if (res.status !== 200) {
          non200++;
          const what = `${res.status} ${/<h1>([^<]*)/.exec(body)?.[1] ?? res.headers.get('location') ?? ''}`.trim();
          failures[what] = (failures[what] ?? 0) + 1;
        }
        return performance.now() - t;
      };
      for (let i = 0; i < 30; i++) await hit(i); // warm-up: JIT, caches, prepared statements
      const times: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests) times.push(await hit(next++));
        }),
      );
      times.sort((a, b) => a - b);
      // Calibration on the same gateway and machine: the cheapest own route, and the leaderboard's service alone.
      const health: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t = performance.now();
        await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
        health.push(performance.now() - t);
      }
      health.sort((a, b) => a - b);
      const board = blocks.leaderboards.get('default')!;
      const service: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await rankingView(bdeps, board, viewers[i % viewers.length]!);
        service.push(performance.now() - t);
      }
      service.sort((a, b) => a - b);
      result = {
        storeCheck: '',
        store: store.kind, partners: Number((await store.db.selectFrom('partners').select(store.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n), commissions: Number((await store.db.selectFrom('commissions').select(store.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
        requests: times.length, concurrency,
        p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), p99Ms: round(percentile(times, 99)), maxMs: round(times.at(-1)!), non200, failures,
        healthzP50Ms: round(percentile(health, 50)), healthzP95Ms: round(percentile(health, 95)), serviceP50Ms: round(percentile(service, 50)), serviceP95Ms: round(percentile(service, 95)), loadAverage: round(loadavg()[0]!),
        snapshotRefreshMs: round(snapshotRefreshMs), snapshotRows: refreshed?.rows ?? 0, refreshLoopStallMs: round(refreshLoopStallMs), liveGroupByMs: round(live[1]!),
        loadSeconds: loadSeconds === null ? null : round(loadSeconds), node: process.version,
      };
    } finally {
      await gateway.close();
    }
  } finally {
    await store.close();
  }
  // The run wrote sessions and snapshot generations: the store must still be sound.
  try {
    result.storeCheck = await requireSoundStore('leaderboard', storeConfig);
  } finally {
    await cleanup();
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const o = new Command()
    .option('--store <kind>', 'sqlite or postgres', 'sqlite')
    .option('--partners <n>', 'partners', '100000')
    .option('--commissions <n>', 'commissions', '5000000')
    .option('--requests <n>', 'measured requests', '400')
    .option('--concurrency <n>', 'requests in flight', '1')
    .option('--sqlite-path <file>', 'reuse or keep this SQLite store')
    .option('--database-url <url>', 'use this PostgreSQL database')
    .option('--out <file>', 'also write the JSON here')
    .parse()
    .opts<{ store: string; partners: string; commissions: string; requests: string; concurrency: string; sqlitePath?: string; databaseUrl?: string; out?: string }>();
  const result = await benchLeaderboard({
    store: o.store === 'postgres' ? 'postgres' : 'sqlite', partners: Number(o.partners), commissions: Number(o.commissions),
    requests: Number(o.requests), concurrency: Number(o.concurrency), sqlitePath: o.sqlitePath, databaseUrl: o.databaseUrl,
  });
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  if (o.out) (await import('node:fs')).writeFileSync(o.out, `${text}\n`);
  process.exit(0);
}
