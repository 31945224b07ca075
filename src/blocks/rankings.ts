/**
 * Rankings: leaderboards, contests and "partners of a program" blocks read a per-partner snapshot of their
 * rollup (`rollup_values`), refreshed by one GROUP BY. A snapshot is fresh while the data version (max ids and
 * updated_at of the source and partners, plus the sync's marker) and, for "N days before today" rollups, the
 * local date are unchanged. When it is not: a snapshot that was small and quick to build is rebuilt before
 * answering, so the page is exact; an expensive one is served as is and rebuilt in the background
 * (stale-while-revalidate), so no partner waits seconds for a page. After each sync `refreshRankings` rebuilds.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { acquireLease, releaseLease, type Database, type SqliteWorker } from '../store/index.js';
import { formatMoney, type Logger } from '../common/index.js';
import { localToday, type CompileContext } from './compile.js';
import { sources } from './fields.js';
import type { BoundRollup, Privacy, Scope } from './model.js';
import * as repo from './rollups.repo.js';
import * as ranks from './rankings.repo.js';

/** What the blocks services need: the store, the business's time zone and a clock. */
export interface BlocksDeps {
  db: Kysely<Database>;
  /** Zone of configured dates and "today" (the gateway's default time zone). */
  timeZone: string;
  now: () => number;
  logger?: Logger;
  /** The SQLite store's worker thread, when the store is one: snapshots are then built off the event loop. */
  sqliteWorker?: SqliteWorker;
}

/**
 * A snapshot is rebuilt before answering when the last build was small and quick (a small store: the page is
 * then always exact); otherwise it is served as is while a rebuild runs in the background.
 */
export const SYNCHRONOUS_REFRESH = { maxRows: 5_000, maxMs: 1_000 };

/** Least time between two background rebuilds of one big snapshot (its generation stamp is the build's start). */
export const BACKGROUND_REBUILD_EVERY_MS = 5 * 60_000;

const holder = `blocks-${process.pid}-${randomUUID()}`;
const running = new WeakMap<object, Map<string, Promise<RefreshResult | undefined>>>();

export interface RefreshResult {
  key: string;
  rows: number;
  durationMs: number;
}

function compileContext(deps: BlocksDeps): CompileContext {
  return { timeZone: deps.timeZone, now: deps.now() };
}

/** Rows of a snapshot generation are stored under `<ranking key>@<generation>`. */
export function rowsKeyOf(key: string, generation: number): string {
  return `${key}@${generation}`;
}

async function buildGeneration(deps: BlocksDeps, rollup: BoundRollup, ctx: CompileContext, current: number | undefined): Promise<{ generation: number; rows: number }> {
  // Generations only grow, also when the clock is held still (tests) or goes back.
  const generation = Math.max(Date.now(), (current ?? 0) + 1);
  const rowsKey = rowsKeyOf(rollup.key, generation);
  const [from, to] = repo.generationRange(rollup.key);
  const keep = current === undefined ? '' : rowsKeyOf(rollup.key, current);
  const select = repo.snapshotSelect(deps.db, rollup, rowsKey, ctx);
  if (deps.sqliteWorker) {
    await deps.sqliteWorker.purge(repo.purgeGenerationsChunkSql, [from, to, keep]);
    const compiled = select.compile();
    return { generation, rows: await deps.sqliteWorker.fill({ sql: compiled.sql, parameters: compiled.parameters }, repo.snapshotInsertSql) };
  }
  await repo.purgeGenerations(deps.db, rollup.key, keep);
  return { generation, rows: await repo.insertSnapshotRows(deps.db, select) };
}

async function refreshNow(deps: BlocksDeps, rollup: BoundRollup, partnerIds?: readonly number[]): Promise<RefreshResult | undefined> {
  const lease = `blocks.refresh:${rollup.key}`;
  // One builder per ranking across gateway instances; the others keep serving the current snapshot.
  if (!(await acquireLease(deps.db, lease, holder, 15 * 60_000))) return undefined;
  try {
    const ctx = compileContext(deps);
    const asOf = rollup.relative ? localToday(ctx) : null;
    const previous = await repo.readSnapshotInfo(deps.db, rollup.key);
    // A partial refresh only patches a snapshot that is otherwise current (same day for relative rollups).
    if (partnerIds && (!previous || previous.as_of !== asOf)) partnerIds = undefined;
    const started = Date.now();
    const version = await repo.readDataVersion(deps.db, sources[rollup.source].table);
    let generation: number;
    let rows: number;
    if (partnerIds && previous) {
      generation = previous.refreshed_at;
      const rowsKey = rowsKeyOf(rollup.key, generation);
      const ids = partnerIds;
      await deps.db.transaction().execute(async (trx) => {
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          await repo.deleteSnapshotRows(trx, rowsKey, chunk);
          await repo.insertSnapshotRows(trx, repo.snapshotSelect(trx, rollup, rowsKey, ctx, chunk));
        }
      });
      rows = await repo.countSnapshotRows(deps.db, rowsKey);
    } else {
      ({ generation, rows } = await buildGeneration(deps, rollup, ctx, previous?.refreshed_at));
    }
    const durationMs = Date.now() - started;
    await repo.writeSnapshotInfo(deps.db, {
      ranking_key: rollup.key,
      rollup: rollup.name,
      as_of: asOf,
      data_version: version,
      refreshed_at: generation,
      // A partial refresh says nothing about the cost of a full one: keep the last full duration.
      duration_ms: partnerIds && previous ? previous.duration_ms : durationMs,
      row_count: rows,
    });
    deps.logger?.debug({ ranking: rollup.key, rows, durationMs, partial: Boolean(partnerIds) }, 'ranking snapshot refreshed');
    return { key: rollup.key, rows, durationMs };
  } finally {
    await releaseLease(deps.db, lease, holder);
  }
}

/** Rebuilds one ranking's snapshot (every partner, or only `partnerIds`); concurrent calls share one run. */
export function refreshRanking(deps: BlocksDeps, rollup: BoundRollup, opts: { partnerIds?: readonly number[] } = {}): Promise<RefreshResult | undefined> {
  let perDb = running.get(deps.db);
  if (!perDb) running.set(deps.db, (perDb = new Map()));
  const id = opts.partnerIds ? `${rollup.key}|${opts.partnerIds.join(',')}` : rollup.key;
  const inFlight = perDb.get(id);
  if (inFlight) return inFlight;
  const run = refreshNow(deps, rollup, opts.partnerIds).finally(() => perDb.delete(id));
  perDb.set(id, run);
  return run;
}

export interface Freshness {
  /** Where the rows of the snapshot to read are (`rollup_values.ranking_key`); none yet: no rows. */
  rowsKey: string | null;
  /** Changes whenever the rows do (new generation, or partners patched in place). */
  version: string;
  /** Known to be out of date (a rebuild is running). */
  stale: boolean;
  refreshedAt: number | null;
}

/** Makes sure the snapshot can be read; says where its rows are and whether it is being rebuilt. */
export async function ensureFresh(deps: BlocksDeps, rollup: BoundRollup): Promise<Freshness> {
  const ctx = compileContext(deps);
  const [info, version] = await Promise.all([repo.readSnapshotInfo(deps.db, rollup.key), repo.readDataVersion(deps.db, sources[rollup.source].table)]);
  const asOf = rollup.relative ? localToday(ctx) : null;
  const current = (stale: boolean, i = info): Freshness => ({ rowsKey: i ? rowsKeyOf(rollup.key, i.refreshed_at) : null, version: i ? `${i.refreshed_at}:${i.data_version}` : '', stale, refreshedAt: i?.refreshed_at ?? null });
  if (info && info.data_version === version && info.as_of === asOf) return current(false);
  if (!info || (info.row_count <= SYNCHRONOUS_REFRESH.maxRows && info.duration_ms <= SYNCHRONOUS_REFRESH.maxMs)) {
    if (!(await refreshRanking(deps, rollup))) {
      // Another instance holds the lease and is building it: wait for a first snapshot, else serve the old one.
      for (let waited = 0; !info && waited < 60_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200));
        if (await repo.readSnapshotInfo(deps.db, rollup.key)) break;
      }
      if (info) return current(true);
    }
    return current(false, await repo.readSnapshotInfo(deps.db, rollup.key));
  }
  // Big snapshots are rebuilt at most every few minutes: a store that changes all the time (no after-sync patch)
  // gets figures at most that old rather than a rebuild running back to back.
  if (Date.now() - info.refreshed_at >= BACKGROUND_REBUILD_EVERY_MS || info.as_of !== asOf) {
    refreshRanking(deps, rollup).catch((err) => deps.logger?.error({ err, ranking: rollup.key }, 'ranking snapshot refresh failed'));
  }
  return current(true);
}

/**
 * How many partners of the scope are ahead of `value`. Each process keeps the scope's values sorted (one read per
 * snapshot version, then a binary search), so a partner far down a 100k ranking costs no more than the leader.
 */
const rankIndexes = new WeakMap<object, Map<string, Float64Array>>();
const RANK_INDEXES_KEPT = 16;

async function partnersAhead(deps: BlocksDeps, freshness: Freshness, filter: ranks.ScopeFilter, dir: 'asc' | 'desc', value: number): Promise<number> {
  if (!freshness.rowsKey) return 0;
  let perDb = rankIndexes.get(deps.db);
  if (!perDb) rankIndexes.set(deps.db, (perDb = new Map()));
  const cacheKey = `${freshness.rowsKey}|${freshness.version}|${JSON.stringify(filter)}`;
  let values = perDb.get(cacheKey);
  if (!values) {
    values = Float64Array.from(await ranks.scopeValues(deps.db, freshness.rowsKey, filter));
    perDb.set(cacheKey, values);
    if (perDb.size > RANK_INDEXES_KEPT) perDb.delete(perDb.keys().next().value!);
  }
  // values are highest first: find the first index whose value is <= (desc) or < (asc) the viewer's.
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dir === 'desc' ? values[mid]! > value : values[mid]! >= value) lo = mid + 1;
    else hi = mid;
  }
  return dir === 'desc' ? lo : values.length - lo;
}

export interface RankingRowView {
  rank: number;
  displayName: string;
  value: number;
  valueText: string;
  isViewer: boolean;
}

export interface RankingView {
  label: string;
  unit: 'money' | 'count';
  rows: RankingRowView[];
  /** The signed-in partner's own row; `outside` when it is not among `rows` (shown below them). */
  viewer?: RankingRowView & { outside: boolean };
  /** The viewer's program is not part of this ranking. */
  viewerNotRanked: boolean;
  stale: boolean;
  refreshedAt: number | null;
}

export interface RankingRequest {
  rollup: BoundRollup;
  scope: Scope;
  privacy: Privacy;
  limit: number;
  dir: 'asc' | 'desc';
}

/** The name other partners see: never a last name, an email or an id. */
export function displayName(row: { alias: string | null; first_name: string }, privacy: Privacy): string {
  const alias = row.alias?.trim();
  if (privacy === 'alias') return alias || 'Anonymous partner';
  return alias || row.first_name.trim() || 'Partner';
}

export function formatValue(unit: 'money' | 'count', value: number, currency: string, locale = 'en-US'): string {
  return unit === 'money' ? formatMoney(value, currency, locale) : value.toLocaleString(locale);
}

/**
 * A leaderboard as the viewer sees it: the top `limit` partners of the scope (competition ranking: equal values
 * share a rank) and the viewer's own rank, even when outside the top.
 */
export async function rankingView(deps: BlocksDeps, req: RankingRequest, viewerId: number, known?: ranks.ViewerRow): Promise<RankingView> {
  const { rollup } = req;
  const [freshness, viewer] = await Promise.all([ensureFresh(deps, rollup), known?.partner_id === viewerId ? known : ranks.readViewer(deps.db, viewerId)]);
  let filter: ranks.ScopeFilter = {};
  let viewerInScope = Boolean(viewer);
  if (req.scope.kind === 'ladder') {
    filter = { ladder: viewer ? (viewer.tier_group ?? `#program:${viewer.program_id}`) : '#none' };
  } else if (req.scope.kind === 'programs') {
    const ids = await ranks.programIdsByName(deps.db, req.scope.names);
    filter = { programIds: ids };
    viewerInScope = Boolean(viewer && ids.includes(viewer.program_id));
  }
  const rowsKey = freshness.rowsKey ?? '#none';
  const top = await ranks.topOfRanking(deps.db, rowsKey, filter, req.dir, req.limit);
  const rows: RankingRowView[] = [];
  top.forEach((r, i) => {
    const previous = rows[i - 1];
    const rank = previous && previous.value === r.value ? previous.rank : i + 1;
    rows.push({ rank, displayName: displayName(r, req.privacy), value: r.value, valueText: formatValue(rollup.unit, r.value, r.currency), isViewer: r.partner_id === viewerId });
  });
  let viewerRow: RankingView['viewer'];
  if (viewer && viewerInScope) {
    const own = rows.find((r) => r.isViewer);
    if (own) viewerRow = { ...own, outside: false };
    else {
      const value = (await ranks.snapshotValue(deps.db, rowsKey, viewerId)) ?? 0;
      const rank = 1 + (await partnersAhead(deps, freshness, filter, req.dir, value));
      viewerRow = { rank, displayName: displayName(viewer, req.privacy), value, valueText: formatValue(rollup.unit, value, viewer.currency), isViewer: true, outside: true };
    }
  }
  return { label: rollup.label, unit: rollup.unit, rows, viewer: viewerRow, viewerNotRanked: !viewerInScope, stale: freshness.stale, refreshedAt: freshness.refreshedAt };
}

/**
 * Rebuilds the snapshots of every ranking (after a sync, or on demand). With `partnerIds` only those partners'
 * rows are recomputed: pass every partner whose commissions, contacts, orders or program the sync changed.
 */
export async function refreshRankings(deps: BlocksDeps, rankings: Iterable<BoundRollup>, opts: { partnerIds?: readonly number[] } = {}): Promise<RefreshResult[]> {
  const out: RefreshResult[] = [];
  const wanted = new Set<string>();
  for (const rollup of rankings) {
    wanted.add(rollup.key);
    const r = await refreshRanking(deps, rollup, opts);
    if (r) out.push(r);
  }
  if (!opts.partnerIds) await pruneRankings(deps, wanted);
  return out;
}

/** Drops the snapshots of rankings no longer configured (a changed definition has a new key). */
async function pruneRankings(deps: BlocksDeps, wanted: Set<string>): Promise<void> {
  for (const key of await repo.snapshotKeys(deps.db)) {
    if (wanted.has(key)) continue;
    const [from, to] = repo.generationRange(key);
    if (deps.sqliteWorker) await deps.sqliteWorker.purge(repo.purgeGenerationsChunkSql, [from, to, '']);
    else await repo.purgeGenerations(deps.db, key, '');
    await repo.deleteSnapshotInfo(deps.db, key);
  }
}
