/**
 * The narrow dependencies the blocks services take from callers (the gateway, the admin CLI, a sync job):
 * a store, optionally a clock, a logger and the settings that matter here. `GatewayDeps` fits as is.
 */
import type { Kysely } from 'kysely';
import type { DataKeyring, Logger } from '../common/index.js';
import type { Database, SqliteWorker } from '../store/index.js';
import type { ActiveBlocks } from './active.js';
import { shippedBlocksConfig } from './config.js';
import type { BlocksConfig } from './model.js';
import type { BlocksDeps } from './rankings.js';

export interface ServiceDeps {
  store: { db: Kysely<Database>; sqliteWorker?: SqliteWorker };
  now?: () => number;
  logger?: Logger;
  config?: { defaultTimeZone?: string; publicUrl?: string; dataKeys?: DataKeyring; maskCustomerEmails?: boolean };
  /** The gateway's blocks configuration (GatewayDeps has it); else the shipped presets. */
  blocks?: Pick<ActiveBlocks, 'get'>;
}

/** Time zone: the gateway's default time zone, else UTC. */
export function blocksDepsOf(deps: ServiceDeps): BlocksDeps {
  return {
    db: deps.store.db,
    sqliteWorker: deps.store.sqliteWorker,
    timeZone: deps.config?.defaultTimeZone ?? 'UTC',
    now: deps.now ?? Date.now,
    logger: deps.logger,
    maskCustomerEmails: deps.config?.maskCustomerEmails,
  };
}

/** The configuration given, else the gateway's (`deps.blocks`), else the shipped presets. */
export function configOf(given: BlocksConfig | undefined, deps?: Pick<ServiceDeps, 'blocks'>): BlocksConfig {
  return given ?? deps?.blocks?.get() ?? shippedBlocksConfig();
}
