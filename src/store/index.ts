/**
 * The store: where every Partnergate record lives. Offers opening a SQLite or PostgreSQL store, schema
 * migrations, the table types, leases for one-runner jobs, a tiny key/value table, and `compiledOnce` for the
 * hot queries whose SQL never changes. Repositories (the
 * functions that query tables) live with the capability that owns the rows and take the `Kysely` handle
 * (or a transaction) as their first argument.
 */
export { openStore, postgresDriver, StoreError, type Store, type StoreKind, type StoreConfig } from './database.js';
export { migrateToLatest, SchemaError } from './migrate.js';
export { acquireLease, acquireLeaseFromDead, holderIsDead, processHolder, releaseLease, getKv, setKv } from './leases.js';
export { compiledOnce } from './compiled-once.js';
export type { SqliteWorker, CompiledSql } from './sqlite-worker.js';
export type { StoreCorruption } from './corruption.js';
export { isCorruptionError } from './sqlite-file.js';
export { buildSqliteFile, buildingPathOf, type BuildStage } from './build.js';
export { backupSqlite, checkStore, type CheckResult, type StoreCheck } from './check.js';
export type * from './tables.js';
export type { Db } from './db.js';
export { COMMISSION_STATUSES, EARNED_KINDS, EARNED_STATUSES, commissionCases } from './commission-rules.js';
export type { Kysely, Transaction } from 'kysely';
