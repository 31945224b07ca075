/**
 * `partnergate ontraport check`: what Partnergate finds in a live account, read-only (GET requests only):
 * each mirrored object with its fields from `objects/meta`, the mapping chosen for each Partnergate field (or
 * why there is none), record counts (all, and in the sync's scope per condition branch), the rate-limit
 * headers the account sent, and a sample incremental contact query asked both ways: as one array mixing AND
 * and OR (whose meaning depends on the undocumented precedence) and branch by branch merged by id (what the
 * sync does). The two counts say how the account reads a mixed array.
 */
import { AppError } from '../common/errors.js';
import type { OntraportClient } from './client.js';
import { and, branches, gt, toWireCondition, type Condition, type WireCondition } from './conditions.js';
import { SchemaMismatch } from './sync/fields.js';
import { BranchPager } from './sync/branch-pager.js';
import { syncSpec } from './sync/run-sync.js';
import { syncObjectNames, type PreparedSpec, type SyncObjectName } from './sync/types.js';

export interface CheckedObject {
  object: SyncObjectName;
  objectType: number;
  /** The account's name for the object (meta), or null when its meta could not be read. */
  name: string | null;
  fields: Array<{ name: string; label: string; type: string }>;
  /** Partnergate's field -> the account's field (null: none); null when the object cannot be synced. */
  mapping: Record<string, string | null> | null;
  problem?: string;
  count: number | null;
  /** Records in the sync's scope, per condition branch (a record may match several). */
  scope?: Array<{ condition: string; count: number }>;
}

export interface PrecedenceSample {
  /** Contacts in the sync's scope modified since this time (Unix seconds). */
  modifiedSince: number;
  /** The one array mixing AND and OR, as a client relying on SQL precedence would send it. */
  mixedCondition: WireCondition;
  mixedCount: number;
  branchCounts: number[];
  /** Distinct contacts over the branches, merged by id (null when the sample was too large to fetch). */
  mergedCount: number | null;
  agrees: boolean | null;
  reading: string;
}

export interface CheckReport {
  ok: boolean;
  objects: CheckedObject[];
  rateLimit: { limit?: number; remaining?: number; resetSeconds?: number } | null;
  precedence: PrecedenceSample | null;
  requests: number;
}

const describe = (c: Condition) => JSON.stringify(toWireCondition(c));
/** Beyond this many records the sample's merge is not fetched (counts only): the check stays cheap. */
const MAX_SAMPLE = 2_000;

export async function checkOntraport(base: OntraportClient, options: { sampleDays?: number } = {}): Promise<CheckReport> {
  const tally = { requests: 0 };
  const client = base.withTally(tally);
  const objects: CheckedObject[] = [];
  let contacts: PreparedSpec | undefined;
  for (const name of syncObjectNames) {
    const spec = syncSpec(name);
    const out: CheckedObject = { object: name, objectType: spec.objectType, name: null, fields: [], mapping: null, count: null };
    objects.push(out);
    try {
      const meta = await client.getMeta(spec.objectType);
      out.name = meta.name;
      out.fields = Object.entries(meta.fields).map(([field, f]) => ({ name: field, label: f.alias, type: f.type }));
      out.count = await client.countObjects(spec.objectType);
      const prepared = spec.prepare(meta, { contactScope: 'referred' });
      out.mapping = prepared.mapping;
      if (name === 'contacts') contacts = prepared;
      if (prepared.scope) {
        out.scope = [];
        for (const branch of branches(prepared.scope)) out.scope.push({ condition: describe(branch), count: await client.countObjects(spec.objectType, { condition: branch }) });
      }
    } catch (err) {
      if (err instanceof AppError && err.code === 'ontraport.auth_failed') throw err;
      out.problem = err instanceof SchemaMismatch || err instanceof AppError ? err.message : `unexpected: ${(err as Error).message}`;
    }
  }
  const precedence = contacts?.scope ? await precedenceSample(client, contacts, options.sampleDays ?? 30) : null;
  const headers = base.rateHeaders;
  return {
    ok: objects.every((o) => !o.problem),
    objects,
    rateLimit: headers ? { limit: headers.limit, remaining: headers.remaining, resetSeconds: headers.resetSeconds } : null,
    precedence,
    requests: tally.requests,
  };
}

async function precedenceSample(client: OntraportClient, contacts: PreparedSpec, days: number): Promise<PrecedenceSample> {
  const { serverTimeMs } = await client.getInfo(0);
  const since = Math.floor(serverTimeMs / 1000) - days * 86_400;
  const recent = gt(contacts.dlmField, since);
  const parts = branches(contacts.scope!).map((b) => and(b, recent));
  // Flattened the way SQL precedence would read it: b1 AND recent OR b2 AND recent OR ...
  const mixed: WireCondition = parts.flatMap((p, i) => [...(i ? (['OR'] as const) : []), ...toWireCondition(p)]);
  const mixedCount = await client.countWithWireCondition(0, mixed);
  const { pager, counts } = await BranchPager.open(client, 0, parts, 0);
  const branchCounts = counts.perBranch;
  let mergedCount: number | null = null;
  if (counts.total <= MAX_SAMPLE) {
    mergedCount = 0;
    for (let batch = await pager.next(); batch; batch = await pager.next()) mergedCount += batch.records.length;
  }
  const agrees = mergedCount === null ? null : mergedCount === mixedCount;
  const reading =
    agrees === null
      ? `too many contacts to merge (${counts.total} over the branches); narrow the sample with --days`
      : agrees
        ? `the mixed array gave the same count as the branches merged by id (${mixedCount}): read AND-first here, or the sample cannot tell; the sync asks per branch either way`
        : `the mixed array gave ${mixedCount}, the branches merged by id ${mergedCount}: the account does not read AND before OR; the sync asks per branch and is not affected`;
  return { modifiedSince: since, mixedCondition: mixed, mixedCount, branchCounts, mergedCount, agrees, reading };
}
