/**
 * `visits.visit_day` and `visits.visitor_hash`: the gateway's click recorder writes one row per partner, UTC day
 * and visitor, where the visitor is a keyed hash of address and user agent under a key that changes every day
 * (no raw address is stored, and hashes of two days cannot be matched). The unique index makes a second visit the
 * same day a no-op (`on conflict do nothing`), also across gateway processes. Rows without a hash (the demo
 * generator's, imported ones) are never in conflict: NULLs are distinct in a unique index on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export function createVisitTrackingMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('visits').addColumn('visit_day', 'integer').execute();
      await db.schema.alterTable('visits').addColumn('visitor_hash', 'text').execute();
      await db.schema.createIndex('visits_partner_day_visitor_uq').on('visits').columns(['partner_id', 'visit_day', 'visitor_hash']).unique().execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('visits_partner_day_visitor_uq').execute();
      await db.schema.alterTable('visits').dropColumn('visitor_hash').execute();
      await db.schema.alterTable('visits').dropColumn('visit_day').execute();
    },
  };
}
