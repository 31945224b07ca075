/**
 * Ontraport sync bookkeeping.
 * - `synced_at` on every mirrored table: the marker (run start, epoch ms) of the last sync run that saw the row.
 *   When a full run ends, mirrored rows it did not see were deleted in Ontraport and are removed or marked.
 * - `contacts.first/last_referrer_ontraport_id`: Ontraport's `freferrer` / `lreferrer` (partner contact ids) as
 *   received, so a referrer whose partner row arrives later in the run can still be translated to a partner id.
 */
import type { Kysely } from 'kysely';

const mirroredTables = ['programs', 'contacts', 'partners', 'products', 'purchases', 'commissions', 'open_orders', 'promo_tools'];

export function createOntraportSyncMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const table of mirroredTables) {
        await db.schema.alterTable(table).addColumn('synced_at', 'bigint').execute();
      }
      await db.schema.alterTable('contacts').addColumn('first_referrer_ontraport_id', 'bigint').execute();
      await db.schema.alterTable('contacts').addColumn('last_referrer_ontraport_id', 'bigint').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('contacts').dropColumn('last_referrer_ontraport_id').execute();
      await db.schema.alterTable('contacts').dropColumn('first_referrer_ontraport_id').execute();
      for (const table of mirroredTables) {
        await db.schema.alterTable(table).dropColumn('synced_at').execute();
      }
    },
  };
}
