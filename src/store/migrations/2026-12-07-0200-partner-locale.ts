/**
 * `partners.locale`: the language the partner chose in settings (a BCP 47 tag of a loaded catalogue, e.g. `de`).
 * Null until they choose: pages follow the browser's `Accept-Language` and emails are in English.
 */
import type { Kysely } from 'kysely';

export function createPartnerLocaleMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('partners').addColumn('locale', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('partners').dropColumn('locale').execute();
    },
  };
}
