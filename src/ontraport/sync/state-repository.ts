/**
 * Repository: the `sync_state` row of each object type.
 * - `last_dlm`: the next incremental run asks for records with `dlm` above it.
 * - `run_kind` / `run_started_at` / `resume_start`: a run in progress (kind, marker, last id committed). A
 *   run that stopped half-way (crash, abort) is continued from `resume_start` by the next run. The marker is
 *   our clock in ms (unique per run, stamped into `synced_at`); Ontraport's clock at the start, which only has
 *   whole seconds, is kept in the progress for the checkpoint.
 * - `stats_json`: `{ progress }` of the run in progress and `{ lastRun }`, the summary of the last finished one.
 */
import type { ObjectSyncSummary, SkippedRecord, SyncKind } from './types.js';
import type { Db } from '../../store/index.js';

export interface RunProgress {
  fetched: number;
  upserted: number;
  skipped: number;
  skippedRecords: SkippedRecord[];
  /** Ontraport's clock (its `Date` header, whole seconds) when the run started: the next checkpoint. */
  serverStartMs?: number;
}

export interface SyncStateRow {
  lastDlm: number;
  inProgress?: { kind: SyncKind; marker: number; cursor: number; progress: RunProgress };
  lastRun?: ObjectSyncSummary;
  lastCompletedAt: number | null;
}

interface StatsJson {
  progress?: RunProgress;
  lastRun?: ObjectSyncSummary;
}

export const emptyProgress = (): RunProgress => ({ fetched: 0, upserted: 0, skipped: 0, skippedRecords: [] });

function parseStats(text: string | null): StatsJson {
  if (!text) return {};
  try {
    return JSON.parse(text) as StatsJson;
  } catch {
    return {};
  }
}

export async function readSyncState(db: Db, object: string): Promise<SyncStateRow> {
  const row = await db.selectFrom('sync_state').selectAll().where('object_type', '=', object).executeTakeFirst();
  if (!row) return { lastDlm: 0, lastCompletedAt: null };
  const stats = parseStats(row.stats_json);
  return {
    lastDlm: Number(row.last_dlm),
    lastCompletedAt: row.last_completed_at,
    lastRun: stats.lastRun,
    inProgress:
      row.run_kind && row.run_started_at !== null
        ? { kind: row.run_kind, marker: Number(row.run_started_at), cursor: Number(row.resume_start), progress: stats.progress ?? emptyProgress() }
        : undefined,
  };
}

/** Every object's state (for `partnergate sync status`). */
export async function readAllSyncStates(db: Db): Promise<Record<string, SyncStateRow>> {
  const rows = await db.selectFrom('sync_state').select('object_type').execute();
  const out: Record<string, SyncStateRow> = {};
  for (const r of rows) out[r.object_type] = await readSyncState(db, r.object_type);
  return out;
}

export async function beginRun(db: Db, object: string, kind: SyncKind, marker: number, serverStartMs: number): Promise<void> {
  const existing = await db.selectFrom('sync_state').select('stats_json').where('object_type', '=', object).executeTakeFirst();
  const stats: StatsJson = { ...parseStats(existing?.stats_json ?? null), progress: { ...emptyProgress(), serverStartMs } };
  await db
    .insertInto('sync_state')
    .values({ object_type: object, last_dlm: 0, resume_start: 0, run_kind: kind, run_started_at: marker, last_completed_at: null, stats_json: JSON.stringify(stats) })
    .onConflict((oc) => oc.column('object_type').doUpdateSet({ resume_start: 0, run_kind: kind, run_started_at: marker, stats_json: JSON.stringify(stats) }))
    .execute();
}

/** Inside the page's transaction: the page is stored exactly when its cursor is. */
export async function saveCursor(trx: Db, object: string, cursor: number, progress: RunProgress, lastRun: ObjectSyncSummary | undefined): Promise<void> {
  const stats: StatsJson = { progress, lastRun };
  await trx.updateTable('sync_state').set({ resume_start: cursor, stats_json: JSON.stringify(stats) }).where('object_type', '=', object).execute();
}

export async function finishRun(db: Db, object: string, lastDlm: number, completedAt: number, summary: ObjectSyncSummary): Promise<void> {
  await db
    .updateTable('sync_state')
    .set({ last_dlm: lastDlm, resume_start: 0, run_kind: null, run_started_at: null, last_completed_at: completedAt, stats_json: JSON.stringify({ lastRun: summary }) })
    .where('object_type', '=', object)
    .execute();
}
