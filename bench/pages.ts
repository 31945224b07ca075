/**
 * Benchmark 4, partner pages at scale: the dashboard, the pending-commissions list and the leaderboard on the
 * 100k partner / 5M commission demo store, 16 concurrent signed-in partners (the 16 busiest: the worst case),
 * on SQLite and PostgreSQL. Reference: the latency budget (p95 50 ms for pages, 100 ms for the leaderboard).
 * The generated SQLite store is kept in bench/.work/ so later runs skip the load: it is built with
 * `buildSqliteFile` (a temporary file, closed cleanly, renamed), reused only when `db check` passes on it, and
 * checked again after the gateway wrote to it. Any non-2xx answer or socket error fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, sessionPolicyFrom } from '../src/auth/sessions.js';
import { refreshRankings } from '../src/blocks/index.js';
import { generateDemoData } from '../src/demo/index.js';
import { sql } from 'kysely';
import { buildSqliteFile, migrateToLatest, openStore, type Store, type StoreConfig } from '../src/store/index.js';
import { startPostgres } from '../test/support/postgres.js';
import { repoRoot, requireClean, requireSoundStore, result, startGatewayProcess, wrkAsPartners, type BenchResult } from './lib.js';

const pages = [
  { name: 'dashboard', path: '/partner-center/', budgetMs: 50 },
  { name: 'commissions', path: '/partner-center/commissions/pending', budgetMs: 50 },
  { name: 'leaderboard', path: '/partner-center/leaderboard', budgetMs: 100 },
];

/** Generates the demo program into an empty store, then builds the ranking snapshots as after a sync. */
async function fill(store: Store, size: { partners: number; commissions: number }): Promise<void> {
  const has = await store.db.selectFrom('partners').select(store.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(has.n) === 0) {
    process.stderr.write(`  generating ${size.partners} partners / ${size.commissions} commissions into ${store.kind}...\n`);
    const s = await generateDemoData(store, { seed: 42, partners: size.partners, commissions: size.commissions });
    process.stderr.write(`  ${s.totalRows} rows in ${s.seconds.toFixed(1)} s\n`);
  }
  // As after every Ontraport sync in production (src/jobs): ranking snapshots are built before partners look.
  const started = Date.now();
  const refreshed = await refreshRankings({ store, config: { defaultTimeZone: 'UTC' } });
  process.stderr.write(`  ${refreshed.length} ranking snapshots current in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function loadStore(config: StoreConfig, size: { partners: number; commissions: number }): Promise<void> {
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    await fill(store, size);
  } finally {
    await store.close();
  }
}

/** The kept SQLite store: reused when it passes `db check`, else (re)built in one piece. */
async function sqliteStore(file: string, size: { partners: number; commissions: number }): Promise<StoreConfig> {
  const config: StoreConfig = { kind: 'sqlite', path: file };
  if (existsSync(file)) {
    try {
      await requireSoundStore('pages (kept store)', config);
      await loadStore(config, size);
      return config;
    } catch (err) {
      process.stderr.write(`  ${(err as Error).message}\n  rebuilding ${file}\n`);
    }
  }
  await buildSqliteFile(file, (store) => fill(store, size));
  return config;
}

/**
 * Lets a freshly loaded store settle before it is measured, as a production store long past its import would
 * be: a checkpoint (PostgreSQL otherwise writes the load's gigabytes out in the background during the
 * measurement), no autovacuum worker still busy (waits up to two minutes), and the kernel's dirty pages written.
 */
async function settle(config: StoreConfig): Promise<void> {
  const store = await openStore(config);
  try {
    if (store.kind === 'postgres') {
      await sql`checkpoint`.execute(store.db);
      for (let waited = 0; waited < 120_000; waited += 1000) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`.execute(store.db);
        if (Number(rows[0]!.n) === 0) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } else {
      store.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    }
  } finally {
    await store.close();
  }
  execFileSync('sync');
}

/** Sessions for the 16 busiest partners, opened as a sign-in would. */
async function partnerCookies(config: StoreConfig, n: number): Promise<string[]> {
  const store: Store = await openStore(config);
  try {
    const busiest = await store.db
      .selectFrom('commissions')
      .select(['partner_id', store.db.fn.countAll<number>().as('n')])
      .groupBy('partner_id')
      .orderBy('n', 'desc')
      .limit(n)
      .execute();
    const policy = sessionPolicyFrom({ sessionIdleMinutes: 600, sessionAbsoluteHours: 24 });
    const cookies: string[] = [];
    for (const { partner_id } of busiest) {
      let account = await store.db.selectFrom('accounts').select('id').where('partner_id', '=', partner_id).executeTakeFirst();
      account ??= await store.db
        .insertInto('accounts')
        .values({ partner_id, email: `bench${partner_id}@bench.invalid`, role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { cookieValue } = await openSession(store.db, policy, { accountId: account.id, method: 'password' });
      cookies.push(`pg_session=${cookieValue}`);
    }
    return cookies;
  } finally {
    await store.close();
  }
}

export async function benchPages(opts: { smoke: boolean }): Promise<BenchResult[]> {
  const size = opts.smoke ? { partners: 500, commissions: 20_000 } : { partners: 100_000, commissions: 5_000_000 };
  const seconds = opts.smoke ? 2 : 10;
  const out: BenchResult[] = [];
  const work = join(repoRoot, 'bench/.work');
  mkdirSync(work, { recursive: true });
  for (const kind of ['sqlite', 'postgres'] as const) {
    let config: StoreConfig;
    let cleanup = async () => {};
    if (kind === 'sqlite') {
      config = await sqliteStore(join(work, `pages-${size.partners}-${size.commissions}.sqlite`), size);
    } else {
      const pg = await startPostgres();
      config = { kind: 'postgres', url: await pg.createDatabase('pages') };
      cleanup = () => pg.stop();
      await loadStore(config, size);
    }
    try {
      const cookies = await partnerCookies(config, 16);
      await settle(config);
      const gateway = await startGatewayProcess({
        ...(config.kind === 'sqlite' ? { PARTNERGATE_SQLITE_PATH: config.path } : { DATABASE_URL: config.url }),
        PARTNERGATE_WORKERS: 'auto',
        PARTNERGATE_SESSION_IDLE_MINUTES: '600',
      });
      const figures: BenchResult[] = [];
      try {
        for (const page of pages) {
          await wrkAsPartners(`${gateway.url}${page.path}`, cookies, { connections: 16, seconds: 1 }); // warm-up
          const r = requireClean(`pages ${kind} ${page.name}`, await wrkAsPartners(`${gateway.url}${page.path}`, cookies, { connections: 16, seconds }));
          figures.push(result(`pages.${kind}.${page.name}.p95`, r.p95ms, 'ms', { name: `budget ${page.budgetMs} ms`, value: page.budgetMs, higherIsBetter: false }, '0 non-2xx, 0 socket errors'));
          figures.push(result(`pages.${kind}.${page.name}.p50`, r.p50ms, 'ms'));
          figures.push(result(`pages.${kind}.${page.name}.rps`, r.rps, 'req/s'));
        }
      } finally {
        await gateway.stop();
      }
      const checked = await requireSoundStore(`pages ${kind}`, config);
      figures[0]!.note = `${figures[0]!.note}; ${checked} after the run`;
      out.push(...figures);
    } finally {
      await cleanup();
    }
  }
  return out;
}
