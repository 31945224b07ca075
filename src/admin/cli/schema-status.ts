/**
 * Where a store's schema stands, read without changing anything: `config check` and every `--dry-run` use it
 * instead of migrating, so looking at a store never alters it (the gateway and `db migrate` apply migrations).
 */
import { Migrator } from 'kysely';
import type { Store } from '../../store/index.js';
import { migrationsFor } from '../../store/migrate.js';

export interface SchemaStatus {
  /** Migrations this version has that the store has not run. */
  pending: string[];
  /** Migrations the store ran that this version does not know: it was written by a newer Partnergate. */
  unknown: string[];
}

export async function schemaStatus(store: Store): Promise<SchemaStatus> {
  const migrations = migrationsFor(store.kind);
  // getMigrations only reads kysely_migration (and treats a missing table as "nothing ran").
  const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
  const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
  let ran: string[] = [];
  if (pending.length < Object.keys(migrations).length) {
    ran = (await store.db.selectFrom('kysely_migration' as never).select('name' as never).execute()).map((r) => String((r as { name: string }).name));
  }
  return { pending, unknown: ran.filter((n) => !(n in migrations)).sort() };
}

/** "schema 3 migrations behind; …": what to tell an operator about pending migrations. */
export function behindMessage(pending: number): string {
  return `schema ${pending} migration${pending === 1 ? '' : 's'} behind; \`partnergate db migrate\` (or start the gateway) applies them`;
}
