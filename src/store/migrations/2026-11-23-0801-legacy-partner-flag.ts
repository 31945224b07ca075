/**
 * `legacy_wp_users.is_partner`: whether wp-shim's export said the WordPress user is a partner
 * (usermeta `partnergate_partner` or PilotPress's `program_id`, a partner role...). Unmatched users who were
 * partners on the old site are reported; other users (customers, editors) are only counted.
 */
import type { Kysely } from 'kysely';

export function createLegacyPartnerFlagMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('legacy_wp_users').addColumn('is_partner', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('legacy_wp_users').dropColumn('is_partner').execute();
    },
  };
}
