/**
 * Admin CLI and migrations.
 * - `accounts.credentials_version`: the generation of the "new credentials" email. The outbox key
 *   `credentials:account:<id>:v<n>` makes a re-run queue each email once; an email the SMTP server refused is
 *   re-issued under the next version (fresh token, new key), never by sending the same row twice.
 * - `legacy_wp_users`: the WordPress users read from the legacy site (wp-shim export), with the partner they
 *   were matched to by email (or why not), so the hand-off and `verify` know who was who.
 * - `partner_sub_ids`: SubIDs a partner used in the legacy partner center, carried over so none is lost.
 * No foreign keys on the two new tables: they are bookkeeping that must survive a partner being re-synced.
 */
import type { Kysely } from 'kysely';

export function createAdminMigrationsMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('credentials_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();

      await db.schema
        .createTable('legacy_wp_users')
        .addColumn('wp_user_id', 'bigint', (c) => c.primaryKey())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('display_name', 'text')
        .addColumn('roles_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('meta_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('partner_id', 'integer')
        .addColumn('match_status', 'text', (c) => c.notNull())
        .addColumn('match_reason', 'text')
        .addColumn('imported_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('legacy_wp_users_partner_ix').on('legacy_wp_users').column('partner_id').execute();

      await db.schema
        .createTable('partner_sub_ids')
        .addColumn('partner_id', 'integer', (c) => c.notNull())
        .addColumn('sub_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('partner_sub_ids_pk', ['partner_id', 'sub_id'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('partner_sub_ids').ifExists().execute();
      await db.schema.dropTable('legacy_wp_users').ifExists().execute();
      await db.schema.alterTable('accounts').dropColumn('credentials_version').execute();
    },
  };
}
