/**
 * The initial domain schema. Written with kysely's schema builder so the same file serves SQLite and
 * PostgreSQL; the few dialect differences (auto-increment ids, partial unique indexes) go through helpers.
 */
import { sql, type Kysely, type CreateTableBuilder } from 'kysely';

type AnyDb = Kysely<any>;

export function createInitialMigration(kind: 'sqlite' | 'postgres') {
  const withId = <T extends string>(t: CreateTableBuilder<T, never>) =>
    kind === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  /** Unique only where the column is set: rows made here have no Ontraport id. */
  const uniqueWhereSet = (db: AnyDb, table: string, column: string) =>
    sql`create unique index ${sql.raw(`${table}_${column}_uq`)} on ${sql.table(table)} (${sql.ref(column)}) where ${sql.ref(column)} is not null`.execute(db);

  const index = (db: AnyDb, table: string, columns: string[], name = `${table}_${columns.join('_')}_ix`) =>
    db.schema.createIndex(name).on(table).columns(columns).execute();

  return {
    async up(db: AnyDb): Promise<void> {
      await withId(db.schema.createTable('programs'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('tier_group', 'text')
        .addColumn('level_order', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('rate_bp', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rules_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'programs', 'ontraport_id');
      await db.schema.createIndex('programs_name_uq').on('programs').column('name').unique().execute();

      await withId(db.schema.createTable('contacts'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('email', 'text')
        .addColumn('first_referrer_id', 'integer')
        .addColumn('last_referrer_id', 'integer')
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'contacts', 'ontraport_id');
      await index(db, 'contacts', ['first_referrer_id', 'added_at']);
      await index(db, 'contacts', ['last_referrer_id', 'added_at']);
      await index(db, 'contacts', ['email']);

      await withId(db.schema.createTable('partners'))
        .addColumn('contact_id', 'integer', (c) => c.notNull().references('contacts.id'))
        .addColumn('referral_code', 'text', (c) => c.notNull())
        .addColumn('program_id', 'integer', (c) => c.notNull().references('programs.id'))
        .addColumn('paypal_email', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('time_zone', 'text')
        .addColumn('alias', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('partners_referral_code_uq').on('partners').column('referral_code').unique().execute();
      await db.schema.createIndex('partners_contact_id_uq').on('partners').column('contact_id').unique().execute();
      await index(db, 'partners', ['program_id']);

      await withId(db.schema.createTable('products'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('price_cents', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'products', 'ontraport_id');

      await withId(db.schema.createTable('purchases'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addColumn('product_id', 'integer')
        .addColumn('partner_id', 'integer')
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('order_id', 'bigint')
        .addColumn('purchased_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'purchases', 'ontraport_id');
      await index(db, 'purchases', ['contact_id']);
      await index(db, 'purchases', ['partner_id', 'purchased_at']);

      await withId(db.schema.createTable('payouts'))
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull().defaultTo('paypal'))
        .addColumn('reference', 'text')
        .addColumn('paid_at', 'bigint', (c) => c.notNull())
        .execute();
      await index(db, 'payouts', ['partner_id', 'paid_at']);

      await withId(db.schema.createTable('commissions'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('contact_id', 'integer')
        .addColumn('product_id', 'integer')
        .addColumn('purchase_id', 'integer')
        .addColumn('promo_tool_id', 'integer')
        .addColumn('sub_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('sale'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('transaction_at', 'bigint', (c) => c.notNull())
        .addColumn('processed_at', 'bigint')
        .addColumn('paid_at', 'bigint')
        .addColumn('payout_id', 'integer')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'commissions', 'ontraport_id');
      await index(db, 'commissions', ['partner_id', 'transaction_at']);
      await index(db, 'commissions', ['partner_id', 'status', 'transaction_at']);
      await index(db, 'commissions', ['partner_id', 'paid_at']);
      await index(db, 'commissions', ['product_id', 'transaction_at']);
      await index(db, 'commissions', ['payout_id']);

      await withId(db.schema.createTable('open_orders'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('contact_id', 'integer')
        .addColumn('product_id', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('commission_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('next_charge_at', 'bigint')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'open_orders', 'ontraport_id');
      await index(db, 'open_orders', ['partner_id', 'status', 'next_charge_at']);

      await withId(db.schema.createTable('promo_tools'))
        .addColumn('ontraport_id', 'bigint')
        .addColumn('program_id', 'integer')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('body', 'text')
        .addColumn('image_url', 'text')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('landing_path', 'text', (c) => c.notNull().defaultTo('/'))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await uniqueWhereSet(db, 'promo_tools', 'ontraport_id');

      await withId(db.schema.createTable('visits'))
        .addColumn('partner_id', 'integer', (c) => c.notNull())
        .addColumn('promo_tool_id', 'integer')
        .addColumn('sub_id', 'text')
        .addColumn('landing_path', 'text', (c) => c.notNull().defaultTo('/'))
        .addColumn('visited_at', 'bigint', (c) => c.notNull())
        .execute();
      await index(db, 'visits', ['partner_id', 'visited_at']);

      await withId(db.schema.createTable('accounts'))
        .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('partner'))
        .addColumn('password_hash', 'text')
        .addColumn('totp_secret', 'text')
        .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('totp_recovery_json', 'text')
        .addColumn('oidc_subject', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('password_changed_at', 'bigint')
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('accounts_email_uq').on('accounts').column('email').unique().execute();
      await uniqueWhereSet(db, 'accounts', 'partner_id');
      await uniqueWhereSet(db, 'accounts', 'oidc_subject');

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('csrf_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
        .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
        .addColumn('reauth_at', 'bigint', (c) => c.notNull())
        .addColumn('oidc_sid', 'text')
        .addColumn('oidc_sub', 'text')
        .addColumn('oidc_tokens_json', 'text')
        .addColumn('totp_pending', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await index(db, 'sessions', ['account_id']);
      await index(db, 'sessions', ['oidc_sid']);
      await index(db, 'sessions', ['absolute_expires_at']);

      await withId(db.schema.createTable('one_time_tokens'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('cascade'))
        .addColumn('payload_json', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('one_time_tokens_hash_uq').on('one_time_tokens').column('token_hash').unique().execute();
      await index(db, 'one_time_tokens', ['account_id', 'purpose']);

      await db.schema
        .createTable('throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('audit_log'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_account_id', 'integer')
        .addColumn('partner_id', 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('details_json', 'text')
        .addColumn('ip', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await index(db, 'audit_log', ['partner_id', 'at']);

      await withId(db.schema.createTable('email_outbox'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('params_json', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('message_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema.createIndex('email_outbox_key_uq').on('email_outbox').column('idempotency_key').unique().execute();
      await index(db, 'email_outbox', ['status', 'next_attempt_at']);

      await withId(db.schema.createTable('ontraport_outbox'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('object_type', 'integer', (c) => c.notNull())
        .addColumn('record_id', 'bigint', (c) => c.notNull())
        .addColumn('fields_json', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('done_at', 'bigint')
        .execute();
      await db.schema.createIndex('ontraport_outbox_key_uq').on('ontraport_outbox').column('idempotency_key').unique().execute();
      await index(db, 'ontraport_outbox', ['status', 'next_attempt_at']);

      await db.schema
        .createTable('sync_state')
        .addColumn('object_type', 'text', (c) => c.primaryKey())
        .addColumn('last_dlm', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('resume_start', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_kind', 'text')
        .addColumn('run_started_at', 'bigint')
        .addColumn('last_completed_at', 'bigint')
        .addColumn('stats_json', 'text')
        .execute();

      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('migration_journal')
        .addColumn('situation', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('item_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('details_json', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('migration_journal_pk', ['situation', 'step', 'item_key'])
        .execute();

      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },

    async down(db: AnyDb): Promise<void> {
      for (const t of [
        'kv', 'migration_journal', 'job_leases', 'sync_state', 'ontraport_outbox', 'email_outbox', 'audit_log', 'throttle',
        'one_time_tokens', 'sessions', 'accounts', 'visits', 'promo_tools', 'open_orders', 'commissions', 'payouts',
        'purchases', 'products', 'partners', 'contacts', 'programs',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
