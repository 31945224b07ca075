/**
 * The Ontraport sync: full import and incremental sync (by `dlm`) of every mirrored object type, in dependency
 * order, one runner at a time across gateway instances (the `ontraport.sync` lease).
 *
 * How one object type is synced:
 * 1. Field names come from `objects/meta` (cached by the client), the matching count from `objects/getInfo`
 *    (its `Date` header is the run's marker: the server clock when the run started).
 * 2. Pages of 50 are asked for by id (`id > last id`, sorted by id) rather than by `start`: a record deleted or
 *    modified during the run cannot shift the pages and make the run miss another record. A scope with OR
 *    (contacts: referred or a partner) is asked branch by branch and merged by id (branch-pager.ts).
 * 3. Each page is mapped and upserted in one transaction together with the new cursor (`resume_start`), so a
 *    run that stops (crash, abort, an exception from `onProgress`) resumes after the last committed page.
 * 4. A full run then removes (or marks) mirrored rows it did not see: they are gone from Ontraport.
 * 5. The checkpoint becomes the marker minus a safety margin, never the highest `dlm` seen: a record changed
 *    while the run was under way (behind the cursor) is then asked for again by the next run. Fetching a
 *    record twice is harmless; missing it would not be.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../common/errors.js';
import { acquireLease, releaseLease } from '../../store/index.js';
import { and, branches, gt, type Condition } from '../conditions.js';
import type { BaseRecord } from '../types.js';
import { commissionsSpec, openOrdersSpec, purchasesSpec } from './sales-specs.js';
import { productsSpec, programsSpec, promoToolsSpec } from './catalog-specs.js';
import { contactsSpec, partnersSpec } from './people-specs.js';
import { BranchPager } from './branch-pager.js';
import { SchemaMismatch } from './fields.js';
import { loadLookups } from './lookups.js';
import { beginRun, emptyProgress, finishRun, readSyncState, saveCursor, type RunProgress } from './state-repository.js';
import { syncObjectNames, type ObjectSyncSummary, type RunSyncOptions, type SyncDeps, type SyncKind, type SyncObjectName, type PreparedSpec, type SyncObjectSpec, type SyncProgress, type SyncSummary } from './types.js';

export const SYNC_LEASE = 'ontraport.sync';
const MAX_REPORTED_SKIPS = 200;

const specs: Record<SyncObjectName, SyncObjectSpec> = {
  programs: programsSpec,
  contacts: contactsSpec,
  partners: partnersSpec,
  products: productsSpec,
  promo_tools: promoToolsSpec,
  purchases: purchasesSpec,
  commissions: commissionsSpec,
  open_orders: openOrdersSpec,
};

/** Stops the whole run (not just one object type); the state stays resumable. */
class RunStopped extends AppError {
  constructor(readonly reason: unknown) {
    super('run.stopped', 'sync run stopped');
  }
}

export function defaultLeaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

function allOf(...parts: Array<Condition | undefined>): Condition | undefined {
  return parts.some((p) => p !== undefined) ? and(...parts) : undefined;
}

function selectObjects(objects: readonly string[] | undefined): SyncObjectName[] {
  if (!objects?.length) return [...syncObjectNames];
  const unknown = objects.filter((o) => !(syncObjectNames as readonly string[]).includes(o));
  if (unknown.length) throw new AppError('request.invalid_field', `objects: unknown object type ${unknown.join(', ')} (known: ${syncObjectNames.join(', ')})`, { field: 'objects' });
  return syncObjectNames.filter((n) => objects.includes(n));
}

/**
 * Runs the sync. Throws `conflict` when another runner holds the lease, `ontraport.auth_failed` on a wrong
 * key, `ontraport.failed` before writing anything when the account lacks a field the sync needs (every
 * selected type's fields are resolved first, so a run never stops half-way on a schema), and rethrows whatever `onProgress` throws or the abort reason; other failures of one object type are
 * reported in its summary (status `failed`) and the run goes on with the next type.
 */
export async function runSync(deps: SyncDeps, options: RunSyncOptions = {}): Promise<SyncSummary> {
  const selected = selectObjects(options.objects);
  const kind: SyncKind = options.full ? 'full' : 'incremental';
  const holder = options.leaseHolder ?? defaultLeaseHolder();
  const ttl = options.leaseTtlMs ?? 10 * 60_000;
  const db = deps.store.db;
  if (!(await acquireLease(db, SYNC_LEASE, holder, ttl))) {
    throw new AppError('conflict', 'an Ontraport sync is already running (another gateway instance or the admin CLI); try again when it has finished');
  }
  const summary: SyncSummary = { kind, ok: true, startedAt: Date.now(), finishedAt: 0, requests: 0, objects: [] };
  const renewLease = async () => {
    if (!(await acquireLease(db, SYNC_LEASE, holder, ttl))) throw new RunStopped(new AppError('conflict', 'the Ontraport sync lease was lost (the run took longer than its lease)'));
  };
  try {
    const prepared = await prepareAll(deps, selected, options);
    for (const name of selected) {
      if (options.signal?.aborted) throw new RunStopped(options.signal.reason ?? new Error('sync aborted'));
      const result = await syncObject(deps, specs[name], prepared.get(name)!, kind, options, renewLease);
      summary.objects.push(result);
      summary.requests += result.requests;
      if (result.status === 'failed') summary.ok = false;
    }
  } catch (err) {
    if (err instanceof RunStopped) throw err.reason;
    throw err;
  } finally {
    await releaseLease(db, SYNC_LEASE, holder).catch(() => {});
  }
  summary.finishedAt = Date.now();
  deps.logger.info({ kind, ok: summary.ok, requests: summary.requests, objects: summary.objects.map((o) => `${o.object}:${o.fetched}/${o.skipped}/${o.deleted}`) }, 'ontraport sync finished');
  return summary;
}

/**
 * One object type ready to sync, and the requests its meta took (counted in its summary); or the failure
 * to read its meta (a storm of 5xx): that type fails in its summary, the others go on.
 */
type Prepared = { spec: PreparedSpec; metaRequests: number } | { failure: unknown; metaRequests: number };

/**
 * Resolves the account's fields of every selected object type from `objects/meta` (cached by the client).
 * A mismatch anywhere stops the run before its first write, naming each object and field.
 */
export async function prepareAll(deps: Pick<SyncDeps, 'client'>, names: readonly SyncObjectName[], options: Pick<RunSyncOptions, 'contactScope'>): Promise<Map<SyncObjectName, Prepared>> {
  const out = new Map<SyncObjectName, Prepared>();
  const problems: string[] = [];
  for (const name of names) {
    const tally = { requests: 0 };
    try {
      const meta = await deps.client.withTally(tally).getMeta(specs[name].objectType);
      out.set(name, { spec: specs[name].prepare(meta, { contactScope: options.contactScope ?? 'referred' }), metaRequests: tally.requests });
    } catch (err) {
      if (err instanceof AppError && err.code === 'ontraport.auth_failed') throw err;
      if (err instanceof SchemaMismatch) problems.push(`${name}: ${err.message}`);
      else out.set(name, { failure: err, metaRequests: tally.requests });
    }
  }
  if (problems.length) {
    throw new AppError('ontraport.failed', `the Ontraport account does not have the fields the sync needs, so nothing was synced. ${problems.join(' | ')}`);
  }
  return out;
}

/** The spec of each object type the sync mirrors (for `ontraport check`). */
export function syncSpec(name: SyncObjectName): SyncObjectSpec {
  return specs[name];
}

async function syncObject(
  deps: SyncDeps,
  spec: SyncObjectSpec,
  prepared: Prepared,
  requested: SyncKind,
  options: RunSyncOptions,
  renewLease: () => Promise<void>,
): Promise<ObjectSyncSummary> {
  const db = deps.store.db;
  const tally = { requests: prepared.metaRequests };
  const client = deps.client.withTally(tally);
  const state = await readSyncState(db, spec.name);
  const resume = state.inProgress && (state.inProgress.kind === requested || state.inProgress.kind === 'full') ? state.inProgress : undefined;
  const kind: SyncKind = resume?.kind ?? requested;
  let cursor = resume?.cursor ?? 0;
  const progress: RunProgress = resume ? { ...resume.progress } : emptyProgress();
  const out: ObjectSyncSummary = {
    object: spec.name, objectType: spec.objectType, kind, status: 'ok', resumed: Boolean(resume), total: 0, fetched: 0, upserted: 0,
    deleted: 0, skipped: 0, skippedRecords: [], requests: 0, checkpointDlm: state.lastDlm, notes: [],
  };
  const sync = () => {
    Object.assign(out, { fetched: progress.fetched, upserted: progress.upserted, skipped: progress.skipped, skippedRecords: progress.skippedRecords, requests: tally.requests });
  };
  const report = async (phase: SyncProgress['phase']) => {
    sync();
    if (!options.onProgress) return;
    const p: SyncProgress = { object: spec.name, kind, phase, total: out.total, fetched: out.fetched, upserted: out.upserted, skipped: out.skipped, deleted: out.deleted, requests: out.requests };
    try {
      await options.onProgress(p);
    } catch (err) {
      throw new RunStopped(err);
    }
  };

  try {
    if ('failure' in prepared) throw prepared.failure;
    const { spec: ready } = prepared;
    const base = allOf(ready.scope, kind === 'incremental' ? gt(ready.dlmField, state.lastDlm) : undefined);
    const { pager, counts } = await BranchPager.open(client, spec.objectType, base ? branches(base) : [undefined], cursor);
    // Seen-stamp: our clock in ms, after every earlier run's. Checkpoint: Ontraport's clock (whole seconds).
    const marker = resume?.marker ?? Math.max(Date.now(), (state.lastRun?.marker ?? 0) + 1);
    if (!resume) {
      progress.serverStartMs = counts.serverTimeMs;
      await beginRun(db, spec.name, kind, marker, counts.serverTimeMs);
    }
    const serverStartMs = progress.serverStartMs ?? marker;
    out.total = progress.fetched + counts.total;
    await report('start');

    for (;;) {
      if (options.signal?.aborted) throw new RunStopped(options.signal.reason ?? new Error('sync aborted'));
      const batch = await pager.next();
      if (!batch) break;
      const page = batch.records;
      const skippedNow: Array<{ record: BaseRecord; reason: string }> = [];
      const next: RunProgress = { ...progress, skippedRecords: [...progress.skippedRecords] };
      const newCursor = Math.max(cursor, batch.cursor);
      await db.transaction().execute(async (trx) => {
        const lookups = await loadLookups(trx, ready.refs(page));
        const ctx = { trx, lookups, marker, defaultCurrency: options.defaultCurrency ?? 'USD', skip: (record: BaseRecord, reason: string) => skippedNow.push({ record, reason }) };
        next.upserted += await ready.writePage(ctx, page);
        await ready.touchSeen(trx, skippedNow.map((s) => s.record), marker);
        next.fetched += page.length;
        next.skipped += skippedNow.length;
        for (const s of skippedNow) if (next.skippedRecords.length < MAX_REPORTED_SKIPS) next.skippedRecords.push({ id: String(s.record.id), reason: s.reason });
        await saveCursor(trx, spec.name, newCursor, next, state.lastRun);
      });
      for (const s of skippedNow) deps.logger.warn({ object: spec.name, id: s.record.id, reason: s.reason }, 'ontraport record skipped');
      Object.assign(progress, next);
      cursor = newCursor;
      await renewLease();
      await report('page');
    }

    if (kind === 'full') await removeUnseen(deps, ready, spec, marker, options, out);
    await ready.afterPass?.(db);
    // At least one second back: a record changed in the very second the run started may not have been seen.
    out.checkpointDlm = Math.max(state.lastDlm, Math.floor(serverStartMs / 1000) - Math.max(1, options.dlmSafetyMarginSeconds ?? 60));
    out.marker = marker;
    sync();
    await finishRun(db, spec.name, out.checkpointDlm, Date.now(), out);
    await report('done');
  } catch (err) {
    if (err instanceof RunStopped) throw err;
    if (err instanceof AppError && err.code === 'ontraport.auth_failed') throw err;
    sync();
    out.status = 'failed';
    out.error = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'internal', message: (err as Error).message };
    deps.logger.error({ object: spec.name, err: out.error }, 'ontraport sync of an object type failed; it resumes on the next run');
  }
  return out;
}

async function removeUnseen(
  deps: SyncDeps,
  prepared: ReturnType<SyncObjectSpec['prepare']>,
  spec: SyncObjectSpec,
  marker: number,
  options: RunSyncOptions,
  out: ObjectSyncSummary,
): Promise<void> {
  const { unseen, total } = await prepared.countUnseen(deps.store.db, marker);
  if (!unseen) return;
  const fraction = options.maxDeleteFraction ?? 0.5;
  if (unseen > Math.max(10, total * fraction)) {
    const note = `deletions skipped: ${unseen} of ${total} ${spec.name} are no longer in Ontraport, more than the ${Math.round(fraction * 100)}% safety limit (wrong account?)`;
    out.notes.push(note);
    deps.logger.warn({ object: spec.name, unseen, total }, note);
    return;
  }
  const result = await prepared.removeUnseen(deps.store.db, marker);
  out.deleted = result.removed;
  if (result.note) out.notes.push(result.note);
}
