/**
 * Versioned schema migrations (kysely Migrator). Applied at start-up and by `partnergate db migrate`.
 * A store written by a newer Partnergate (migrations we do not know) is refused rather than touched.
 */
import { AppError } from '../common/errors.js';
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { createInitialMigration } from './migrations/2026-11-23-0001-initial.js';
import { createOntraportSyncMigration } from './migrations/2026-11-23-0200-ontraport-sync.js';
import { createSignInMigration } from './migrations/2026-11-23-0400-sign-in.js';
import { createPartnerCenterMigration } from './migrations/2026-11-23-0500-partner-center.js';
import { createBlocksMigration } from './migrations/2026-11-23-0700-blocks.js';
import { createAdminMigrationsMigration } from './migrations/2026-11-23-0800-admin-migrations.js';
import { createLegacyPartnerFlagMigration } from './migrations/2026-11-23-0801-legacy-partner-flag.js';
import { createHandoffWpUserMigration } from './migrations/2026-12-06-0900-handoff-wp-user.js';
import { createVisitTrackingMigration } from './migrations/2026-12-06-1000-visit-tracking.js';
import { createOutboxSentParamsMigration } from './migrations/2026-12-06-1100-outbox-sent-params.js';
import { createPayoutsNotificationsMigration } from './migrations/2026-12-07-0100-payouts-notifications.js';
import { createApiKeysErasureMigration } from './migrations/2026-12-07-0200-api-keys-erasure.js';
import { createPartnerLocaleMigration } from './migrations/2026-12-07-0200-partner-locale.js';
import type { StoreKind } from './database.js';

/** `store.schema_mismatch`: the store's schema is not the one this Partnergate can use (newer, or behind in a dry run). */
export class SchemaError extends AppError {
  constructor(message: string) {
    super('store.schema_mismatch', message);
  }
}

export function migrationsFor(kind: StoreKind): Record<string, Migration> {
  return {
    '2026-11-23-0001-initial': createInitialMigration(kind),
    '2026-11-23-0200-ontraport-sync': createOntraportSyncMigration(),
    '2026-11-23-0400-sign-in': createSignInMigration(),
    '2026-11-23-0500-partner-center': createPartnerCenterMigration(),
    '2026-11-23-0700-blocks': createBlocksMigration(kind),
    '2026-11-23-0800-admin-migrations': createAdminMigrationsMigration(),
    '2026-11-23-0801-legacy-partner-flag': createLegacyPartnerFlagMigration(),
    '2026-12-06-0900-handoff-wp-user': createHandoffWpUserMigration(),
    '2026-12-06-1000-visit-tracking': createVisitTrackingMigration(),
    '2026-12-06-1100-outbox-sent-params': createOutboxSentParamsMigration(),
    '2026-12-07-0100-payouts-notifications': createPayoutsNotificationsMigration(kind),
    '2026-12-07-0200-api-keys-erasure': createApiKeysErasureMigration(kind),
    '2026-12-07-0200-partner-locale': createPartnerLocaleMigration(),
  };
}

async function appliedMigrationNames(db: Kysely<any>): Promise<string[]> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').execute();
    return rows.map((r) => r.name as string);
  } catch {
    return []; // no migration table yet: a new store
  }
}

/** Brings the schema to the latest version. Returns the names applied by this call. */
export async function migrateToLatest(db: Kysely<any>, kind: StoreKind): Promise<string[]> {
  const migrations = migrationsFor(kind);
  const unknown = (await appliedMigrationNames(db)).filter((n) => !(n in migrations));
  if (unknown.length) {
    throw new SchemaError(
      `the store was written by a newer Partnergate (schema ${unknown.sort().at(-1)}); upgrade Partnergate or point it at another store`,
    );
  }
  // Capabilities add migrations side by side; a store that ran a later-numbered one first must still take the others.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
  const { error, results } = (await migrator.migrateToLatest()) as MigrationResultSet;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new SchemaError(`schema migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
