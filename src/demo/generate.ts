/**
 * `generateDemoData`: loads a believable, deterministic partner program into a store at bulk speed.
 * Phase 1 writes the small tables and every partner (with its own contact); phase 2 streams each partner's
 * history (contacts, commissions, payouts, clicks, subscriptions). Rows get explicit ids past whatever is
 * already stored, so a load can go into a store that already holds data.
 */
import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { ActivityWriter } from './activity.js';
import { demoTables, type BulkSink, type DemoTable, type TableWriter } from './bulk-sink.js';
import { demoPrograms } from './catalog.js';
import { createPostgresSink } from './postgres-sink.js';
import { createSqliteSink } from './sqlite-sink.js';
import {
  buildWorld, partnerProfile, productRows, programRows, promoToolRows, type DemoOptions, type IdBases, type World,
} from './world.js';

export type { DemoOptions } from './world.js';

export interface DemoSummary {
  /** Rows written per table. */
  rows: Record<DemoTable, number>;
  totalRows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Of `seconds`, the time spent building the secondary indexes after a large load. */
  indexSeconds: number;
  /** The busiest partner (by commissions): the one the demo account signs in as. */
  mostActivePartnerId: number;
  /** The generator's "today" (UTC ms) and seed, to reproduce the load. */
  now: number;
  seed: number;
}

const LARGE_LOAD = 200_000;

async function maxOf(store: Store, table: string, column: string): Promise<number> {
  const r = await sql<{ m: number | string | null }>`select max(${sql.ref(column)}) as m from ${sql.table(table)}`.execute(store.db);
  return Number(r.rows[0]?.m ?? 0);
}

async function firstFreeIds(store: Store): Promise<IdBases> {
  const next = async (t: string) => (await maxOf(store, t, 'id')) + 1;
  return {
    programs: await next('programs'),
    products: await next('products'),
    promo_tools: await next('promo_tools'),
    contacts: await next('contacts'),
    partners: await next('partners'),
    commissions: await next('commissions'),
    payouts: await next('payouts'),
    visits: await next('visits'),
    open_orders: await next('open_orders'),
    // Demo contacts get Ontraport-looking ids (partners' referral codes) clear of any synced ones.
    ontraport: Math.max(10_000, (await maxOf(store, 'contacts', 'ontraport_id')) + 1),
  };
}

/** The ladder programs already stored (program names are unique) are reused; the others get new ids. */
async function resolvePrograms(store: Store, ids: IdBases) {
  const existing = await store.db.selectFrom('programs').select(['id', 'name', 'rate_bp']).where('name', 'in', demoPrograms.map((p) => p.name)).execute();
  const missing: number[] = [];
  let nextId = ids.programs;
  const programs = demoPrograms.map((p, k) => {
    const found = existing.find((e) => e.name === p.name);
    if (found) return { id: found.id, rate_bp: found.rate_bp };
    missing.push(k);
    return { id: nextId++, rate_bp: p.rate_bp };
  });
  return { programs, missing };
}

function openSink(store: Store): BulkSink {
  if (store.kind === 'sqlite' && store.sqlite) return createSqliteSink(store.sqlite, { privateBuild: store.privateBuild === true });
  if (store.kind === 'postgres' && store.pgPool) return createPostgresSink(store.pgPool);
  throw new Error(`generateDemoData: the ${store.kind} store has no raw handle for bulk loading`);
}

async function writePartners(world: World, sink: BulkSink): Promise<void> {
  const contacts = sink.writer('contacts');
  const partners = sink.writer('partners');
  const { ids } = world;
  for (let i = 0; i < world.partnerCount; i++) {
    const p = partnerProfile(world, i);
    const addedAt = world.createdAt[i]! - 3 * 86_400_000;
    contacts.row([ids.contacts + i, ids.ontraport + i, p.firstName, p.lastName, p.email, null, null, addedAt, world.createdAt[i]!]);
    if (sink.wantsCheckpoint()) await sink.checkpoint();
  }
  await sink.endPhase(); // partners reference their contacts: on PostgreSQL those must be committed first
  for (let i = 0; i < world.partnerCount; i++) {
    const p = partnerProfile(world, i);
    // The referral code is the partner's Ontraport contact id: the `?orid=` of its links.
    const code = String(ids.ontraport + i);
    partners.row([ids.partners + i, ids.contacts + i, code, world.programIds[world.programOf[i]!]!, p.paypalEmail, p.status, p.timeZone, p.alias, world.createdAt[i]!, world.createdAt[i]!]);
    if (sink.wantsCheckpoint()) await sink.checkpoint();
  }
}

/**
 * Generates demo data into `store`. Same `seed`, sizes and `now` give identical rows (on an empty store, identical
 * ids too). Uses the raw SQLite handle or PostgreSQL COPY, not the query builder: meant for empty or demo stores.
 * On failure the rows of the transaction in flight are rolled back; rows committed before stay, and dropped
 * indexes are rebuilt. A large load drops the big tables' secondary indexes (and PostgreSQL foreign keys) while it
 * runs: if the process is killed meanwhile they stay dropped. A SQLite load that a kill must not leave half-done
 * goes through `buildSqliteFile` (store/), which also lets it skip WAL and fsyncs for speed.
 * Leaderboard snapshots (blocks) are not refreshed here: callers run the blocks refresh after a load.
 */
export async function generateDemoData(store: Store, opts: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const ids = await firstFreeIds(store);
  const { programs, missing } = await resolvePrograms(store, ids);
  const world = buildWorld(opts, ids, programs);
  const large = world.commissionCount >= LARGE_LOAD;
  const rebuild = opts.rebuildIndexes ?? large;
  const sink = openSink(store);
  const writers = Object.fromEntries(demoTables.map((t) => [t, sink.writer(t)])) as Record<DemoTable, TableWriter>;
  let indexSeconds = 0;

  const totalRows = () => demoTables.reduce((n, t) => n + writers[t].rows, 0);
  let reported = 0;
  const lastReported = new Map<DemoTable, number>();
  const report = (force = false) => {
    if (!opts.onProgress) return;
    const total = totalRows();
    if (!force && total - reported < 100_000) return;
    reported = total;
    for (const t of demoTables) {
      if (writers[t].rows !== lastReported.get(t)) {
        lastReported.set(t, writers[t].rows);
        opts.onProgress({ table: t, rows: writers[t].rows, totalRows: total });
      }
    }
  };

  try {
    for (const row of programRows(world, missing)) writers.programs.row(row);
    for (const row of productRows(world)) writers.products.row(row);
    for (const row of promoToolRows(world)) writers.promo_tools.row(row);
    await writePartners(world, sink);
    await sink.endPhase();
    report(true);

    if (rebuild) await sink.rebuildIndexes('before');
    const activity = new ActivityWriter(world, sink, writers);
    for (let i = 0; i < world.partnerCount; i++) {
      await activity.writePartner(i);
      report();
    }
    await sink.endPhase();
    const indexStart = performance.now();
    if (rebuild) await sink.rebuildIndexes('after');
    indexSeconds = (performance.now() - indexStart) / 1000;
    await sink.finish();
    report(true);
  } catch (err) {
    await sink.abort().catch(() => {});
    throw err;
  }

  const seconds = (performance.now() - started) / 1000;
  const rows = Object.fromEntries(demoTables.map((t) => [t, writers[t].rows])) as Record<DemoTable, number>;
  const total = totalRows();
  return {
    rows,
    totalRows: total,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(total / Math.max(seconds, 0.001)),
    indexSeconds: Math.round(indexSeconds * 1000) / 1000,
    mostActivePartnerId: ids.partners + world.topPartner,
    now: world.now,
    seed: world.seed,
  };
}
