/**
 * Payouts from real sources and partner notifications.
 * - `payouts.source` (ontraport | masspay | manual) and `payouts.source_key`: the key a source derives for one
 *   payout (Ontraport: partner, paid day, currency and first commission; MassPay: the file's item id). Unique, so
 *   a re-sync or a second confirmation of the same PayPal result can never record the same payout twice.
 * - `masspay_batches` / `masspay_items`: what a MassPay file asked PayPal to pay (one item per partner, with
 *   the commissions it covers), keyed by the id written into the file's "unique id" column.
 * - `partner_events`: what happened to a partner's money (new commission, approved, payout sent), one row per
 *   event key; the notifier turns undelivered rows into emails or a daily digest.
 * - `notification_prefs`: the partner's choices (each kind on or off, digest); no row = every kind on, no digest.
 */
import { sql, type Kysely } from 'kysely';

export function createPayoutsNotificationsMigration(kind: 'sqlite' | 'postgres') {
  const id = kind === 'postgres' ? (['id', 'serial'] as const) : (['id', 'integer'] as const);
  const withId = (db: Kysely<any>, table: string) =>
    db.schema.createTable(table).addColumn(id[0], id[1], (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()));
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('payouts').addColumn('source', 'text', (c) => c.notNull().defaultTo('manual')).execute();
      await db.schema.alterTable('payouts').addColumn('source_key', 'text').execute();
      await db.schema.alterTable('payouts').addColumn('created_at', 'bigint').execute();
      await sql`create unique index payouts_source_key_uq on payouts (source_key) where source_key is not null`.execute(db);

      await withId(db, 'masspay_batches')
        .addColumn('batch_key', 'text', (c) => c.notNull().unique())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'integer')
        .addColumn('confirmed_at', 'bigint')
        .execute();
      await withId(db, 'masspay_items')
        .addColumn('batch_id', 'integer', (c) => c.notNull().references('masspay_batches.id'))
        .addColumn('item_key', 'text', (c) => c.notNull().unique())
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('paypal_email', 'text', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('commission_ids_json', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('paypal_status', 'text')
        .addColumn('payout_id', 'integer')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('masspay_items_batch_ix').on('masspay_items').columns(['batch_id']).execute();

      await withId(db, 'partner_events')
        .addColumn('event_key', 'text', (c) => c.notNull().unique())
        .addColumn('partner_id', 'integer', (c) => c.notNull().references('partners.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'integer', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .addColumn('delivery', 'text')
        .execute();
      await db.schema.createIndex('partner_events_undelivered_ix').on('partner_events').columns(['delivered_at', 'partner_id']).execute();

      await db.schema
        .createTable('notification_prefs')
        .addColumn('partner_id', 'integer', (c) => c.primaryKey().references('partners.id'))
        .addColumn('new_commission', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('approved', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('payout', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('digest', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['notification_prefs', 'partner_events', 'masspay_items', 'masspay_batches']) await db.schema.dropTable(t).ifExists().execute();
      await db.schema.dropIndex('payouts_source_key_uq').ifExists().execute();
      for (const c of ['created_at', 'source_key', 'source']) await db.schema.alterTable('payouts').dropColumn(c).execute();
    },
  };
}
