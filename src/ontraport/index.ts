/**
 * Ontraport: the REST client (auth headers, envelope, paging, a condition builder that never depends on AND/OR
 * precedence, field discovery from meta, a rate limit shared by every caller in the process and, given a
 * store, by every process on it, retries), the sync that mirrors Ontraport's partner data into the store (full
 * and incremental, resumable, one runner across instances), the outbox that writes partner changes back to
 * Ontraport exactly once, and `checkOntraport`, the read-only report of a live account.
 *
 * Typical use:
 * ```ts
 * const client = createOntraportClient(config);
 * const summary = await runSync({ store, client, logger }, { full: true, onProgress: (p) => bar.update(p.fetched) });
 * const scheduler = startSyncScheduler({ store, client, logger }, { intervalMs: config.syncIntervalSeconds * 1000 });
 * await queueContactUpdate(trx, { idempotencyKey: `paypal:${partnerId}:${tokenId}`, contactOntraportId: 42, fields: { aff_paypal: email } });
 * ```
 */
import type { Config } from '../config/index.js';
import { AppError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Store } from '../store/index.js';
import { OntraportClient } from './client.js';

export { OntraportClient, MAX_PAGE_SIZE, type ListOptions, type CountOptions, type CollectionInfo, type Page } from './client.js';
export * as conditions from './conditions.js';
export type { Condition, ConditionOp, ConditionValue } from './conditions.js';
export { ObjectType } from './types.js';
export type { ObjectTypeId, BaseRecord, ContactRecord, PurchaseRecord, ProductRecord, GenericRecord, ObjectMeta, FieldMeta, OntraportClientConfig, RawValue } from './types.js';
export type { RequestTally } from './transport.js';
export { runSync, SYNC_LEASE } from './sync/run-sync.js';
export { ERASED_CONTACT } from './sync/people-specs.js';
export { checkOntraport, type CheckReport, type CheckedObject, type PrecedenceSample } from './check.js';
export { startSyncScheduler, type SyncScheduler, type SyncSchedulerOptions } from './sync/scheduler.js';
export { readAllSyncStates, readSyncState, type SyncStateRow } from './sync/state-repository.js';
export { syncObjectNames } from './sync/types.js';
export type { SyncDeps, SyncKind, SyncObjectName, SyncProgress, SyncSummary, ObjectSyncSummary, RunSyncOptions, SkippedRecord } from './sync/types.js';
export { countOntraportOutbox } from './outbox/repository.js';
export { queueContactUpdate, processOntraportOutbox, type ContactUpdate, type OutboxDeps, type OutboxResult, type ProcessOutboxOptions } from './outbox/outbox.js';

/** The settings the client needs, as the app's Config names them. */
export type OntraportSettings = Pick<Config, 'ontraportBaseUrl' | 'ontraportAppId' | 'ontraportApiKey' | 'ontraportRatePerMinute' | 'ontraportTimeoutMs'>;

/**
 * The client for the configured account. Throws `ontraport.auth_failed` when no app id / API key is set.
 * `rateWindowMs` exists for tests and benchmarks that scale time down (production: one minute). With `store`,
 * the rate limit is shared by every process on that store (gateway workers, other gateways, the admin CLI).
 */
export function createOntraportClient(config: OntraportSettings, options: { logger?: Logger; rateWindowMs?: number; store?: Pick<Store, 'db'> } = {}): OntraportClient {
  if (!config.ontraportAppId || !config.ontraportApiKey) {
    throw new AppError('ontraport.auth_failed', 'Ontraport is not configured: set PARTNERGATE_ONTRAPORT_APP_ID and PARTNERGATE_ONTRAPORT_API_KEY');
  }
  return OntraportClient.create(
    {
      baseUrl: config.ontraportBaseUrl,
      appId: config.ontraportAppId,
      apiKey: config.ontraportApiKey,
      ratePerWindow: config.ontraportRatePerMinute,
      rateWindowMs: options.rateWindowMs ?? 60_000,
      timeoutMs: config.ontraportTimeoutMs,
    },
    options.logger,
    options.store?.db,
  );
}
