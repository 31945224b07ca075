/**
 * The sync's public shapes (what `runSync` takes and returns, what `onProgress` receives: enough for the admin
 * CLI's progress bar and its `--json` summary) and the internal contract of one object type's spec.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from '../../common/logger.js';
import type { Store } from '../../store/index.js';
import type { Database } from '../../store/tables.js';
import type { OntraportClient } from '../client.js';
import type { Condition } from '../conditions.js';
import type { BaseRecord, ObjectMeta } from '../types.js';
import type { FieldWants } from './fields.js';
import type { Lookups, RefNeeds } from './lookups.js';

/** The object types the sync mirrors, in the order it runs them (later ones refer to earlier ones). */
export const syncObjectNames = ['programs', 'contacts', 'partners', 'products', 'promo_tools', 'purchases', 'commissions', 'open_orders'] as const;
export type SyncObjectName = (typeof syncObjectNames)[number];
export type SyncKind = 'full' | 'incremental';

export interface SyncDeps {
  store: Pick<Store, 'db' | 'kind'>;
  client: OntraportClient;
  logger: Logger;
}

export interface SyncProgress {
  object: SyncObjectName;
  kind: SyncKind;
  phase: 'start' | 'page' | 'done';
  /** Records matching this run (for a resumed run: already fetched before the crash + still to fetch). */
  total: number;
  fetched: number;
  upserted: number;
  skipped: number;
  deleted: number;
  requests: number;
}

export interface RunSyncOptions {
  /** Full import (also notices deletions) instead of the incremental sync by `dlm`. */
  full?: boolean;
  /** Only these object types (default: all, in dependency order). */
  objects?: readonly string[];
  /** Called after each page is committed; throwing aborts the run (it resumes from the next page later). */
  onProgress?: (progress: SyncProgress) => void | Promise<void>;
  /** Aborts the run between pages. */
  signal?: AbortSignal;
  /** Currency of programs and products that name none (the app's `defaultCurrency`). */
  defaultCurrency?: string;
  /**
   * `referred` (default): contacts with a referrer or a partner program only (the partner center's leads and
   * partners); `all`: every contact. `referred` is an OR of three fields: asked branch by branch, each an
   * AND-only condition, merged by id (see sync/branch-pager.ts).
   */
  contactScope?: 'referred' | 'all';
  /**
   * Records modified this many seconds before a run's start are asked for again next time (default 60, at
   * least 1): covers clock skew and changes committed late on Ontraport's side. The price: a record changed
   * shortly before a run is fetched again by the next one.
   */
  dlmSafetyMarginSeconds?: number;
  /** A full run deletes nothing when it would remove more than this share of a table (wrong account?). */
  maxDeleteFraction?: number;
  /** Lease (one runner across gateway instances). */
  leaseHolder?: string;
  leaseTtlMs?: number;
}

export interface SkippedRecord {
  id: number | string;
  reason: string;
}

export interface ObjectSyncSummary {
  object: SyncObjectName;
  objectType: number;
  kind: SyncKind;
  status: 'ok' | 'failed';
  /** The run continued one that had stopped half-way. */
  resumed: boolean;
  total: number;
  fetched: number;
  upserted: number;
  deleted: number;
  skipped: number;
  /** The first 200 skipped records with the reason. */
  skippedRecords: SkippedRecord[];
  /** HTTP requests to Ontraport for this object (retries included). */
  requests: number;
  /** `dlm` (Unix seconds) the next incremental run starts after. */
  checkpointDlm: number;
  /** The run's seen-stamp (epoch ms, written into `synced_at`). */
  marker?: number;
  notes: string[];
  error?: { code: string; message: string };
}

export interface SyncSummary {
  kind: SyncKind;
  ok: boolean;
  startedAt: number;
  finishedAt: number;
  requests: number;
  objects: ObjectSyncSummary[];
}

/** What a spec gets for one page. */
export interface PageContext {
  trx: Transaction<Database>;
  lookups: Lookups;
  /** Marker of this run (its start, epoch ms), written into `synced_at`. */
  marker: number;
  defaultCurrency: string;
  skip(record: BaseRecord, reason: string): void;
}

/** One Ontraport object type and how it lands in the store. */
export interface SyncObjectSpec {
  name: SyncObjectName;
  objectType: number;
  /** The fields it reads: candidate names and labels (see fields.ts). */
  wants: FieldWants<string>;
  /** Learns the account's field names from meta (throws SchemaMismatch when a required one is missing). */
  prepare(meta: ObjectMeta, options: Required<Pick<RunSyncOptions, 'contactScope'>>): PreparedSpec;
}

export interface PreparedSpec {
  /** Partnergate's name of each wanted field -> the account's field (null: the account has none). */
  mapping: Record<string, string | null>;
  /** Records of interest (e.g. purchases credited to a partner); undefined = all. */
  scope?: Condition;
  /** The field holding the last-modified time. */
  dlmField: string;
  /** Ids this page's records refer to, to be looked up in one query per table. */
  refs(records: readonly BaseRecord[]): RefNeeds;
  /** Maps and upserts the page (inside the page's transaction). Returns rows written. */
  writePage(ctx: PageContext, records: readonly BaseRecord[]): Promise<number>;
  /** Marks rows of records that were seen but skipped, so a full run does not take them for deleted. */
  touchSeen(trx: Transaction<Database>, records: readonly BaseRecord[], marker: number): Promise<void>;
  /** After a full pass: rows whose `synced_at` is older than `marker` (removed or marked). */
  countUnseen(db: Kysely<Database>, marker: number): Promise<{ unseen: number; total: number }>;
  removeUnseen(db: Kysely<Database>, marker: number): Promise<{ removed: number; kept: number; note?: string }>;
  /** After every pass (e.g. translate referrers whose partner arrived later). */
  afterPass?(db: Kysely<Database>): Promise<void>;
}
