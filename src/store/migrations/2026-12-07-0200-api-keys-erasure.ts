/**
 * Partner API keys and erased partners.
 * - `api_keys`: read-only keys a partner made for their own scripts. Only the sha256 of the whole key is kept,
 *   beside `key_id`, the short non-secret part the key carries so it can be found without scanning.
 * - `partner_erasures`: one row per erased partner, keyed also by the Ontraport contact id the partner had, so a
 *   later sync recognises the contact and does not bring the erased personal data back.
 */
import type { Kysely } from 'kysely';

export function createApiKeysErasureMigration(kind: 'sqlite' | 'postgres') {
  const id = kind === 'postgres' ? (['id', 'serial'] as const) : (['id', 'integer'] as const);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('api_keys')
        .addColumn(id[0], id[1], (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('key_id', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_partner_ix').on('api_keys').columns(['partner_id', 'revoked_at']).execute();

      await db.schema
        .createTable('partner_erasures')
        .addColumn('partner_id', 'integer', (c) => c.primaryKey().references('partners.id'))
        .addColumn('contact_ontraport_id', 'integer')
        .addColumn('erased_at', 'bigint', (c) => c.notNull())
        .addColumn('erased_by', 'integer')
        .execute();
      await db.schema.createIndex('partner_erasures_contact_ix').on('partner_erasures').columns(['contact_ontraport_id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['partner_erasures', 'api_keys']) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
