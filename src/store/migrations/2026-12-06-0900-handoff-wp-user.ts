/**
 * `accounts.wp_user_id`: the WordPress user id (the hand-off token's `sub`) an account was first signed into
 * by the WordPress hand-off. A later hand-off for the same account from another WordPress user is refused.
 */
import type { Kysely } from 'kysely';

export function createHandoffWpUserMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('wp_user_id', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').dropColumn('wp_user_id').execute();
    },
  };
}
