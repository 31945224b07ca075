/**
 * Sign-in bookkeeping.
 * - `accounts.totp_last_step`: the last TOTP time step accepted, so a code cannot be used twice (RFC 6238 §5.2).
 * - Case-insensitive email look-ups for sign-in and account creation (`lower(email)` indexes on accounts and
 *   contacts: an OIDC or WordPress email is matched to a partner's contact email whatever its case).
 * - `sessions.oidc_sub` for back-channel logout by subject, `one_time_tokens.expires_at` for purging.
 */
import { sql, type Kysely } from 'kysely';

export function createSignInMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('totp_last_step', 'bigint').execute();
      await sql`create index accounts_email_lower_ix on accounts (lower(email))`.execute(db);
      await sql`create index contacts_email_lower_ix on contacts (lower(email))`.execute(db);
      await db.schema.createIndex('sessions_oidc_sub_ix').on('sessions').column('oidc_sub').execute();
      await db.schema.createIndex('one_time_tokens_expires_at_ix').on('one_time_tokens').column('expires_at').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('one_time_tokens_expires_at_ix').execute();
      await db.schema.dropIndex('sessions_oidc_sub_ix').execute();
      await db.schema.dropIndex('contacts_email_lower_ix').execute();
      await db.schema.dropIndex('accounts_email_lower_ix').execute();
      await db.schema.alterTable('accounts').dropColumn('totp_last_step').execute();
    },
  };
}
