/**
 * The narrow dependencies the blocks services take from callers (the gateway, the admin CLI, a sync job):
 * a store, optionally a clock, a logger and the settings that matter here. `GatewayDeps` fits as is.
 */
import type { Kysely } from 'kysely';
import type { DataKeyring, Logger } from '../common/index.js';
import type { Database, SqliteWorker } from '../store/index.js';
import { activeBlocksConfig } from './config.js';
import type { BlocksConfig } from './model.js';
import type { BlocksDeps } from './rankings.js';

export interface ServiceDeps {
  store: { db: Kysely<Database>; sqliteWorker?: SqliteWorker };
  now?: () => number;
  logger?: Logger;
  config?: { defaultTimeZone?: string; publicUrl?: string; dataKeys?: DataKeyring };
}

/** Time zone: the gateway's default time zone, else the one the active blocks configuration was set with. */
export function blocksDepsOf(deps: ServiceDeps): BlocksDeps {
  return {
    db: deps.store.db,
    sqliteWorker: deps.store.sqliteWorker,
    timeZone: deps.config?.defaultTimeZone ?? activeBlocksConfig().timeZone,
    now: deps.now ?? Date.now,
    logger: deps.logger,
  };
}

/** The configuration given, else the active one (set at gateway start-up), else the shipped presets. */
export function configOf(given?: BlocksConfig): BlocksConfig {
  return given ?? activeBlocksConfig().config;
}
