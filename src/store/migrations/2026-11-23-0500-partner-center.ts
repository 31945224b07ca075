/**
 * Partner center indexes, each serving one partner-scoped page query:
 * - `commissions (contact_id)`: purchases per referred contact on one page of the contacts list (without it, the
 *   count scans all of a busy partner's commissions).
 * - `commissions (partner_id, status, kind, amount_cents)`: covers the all-time totals by status (dashboard,
 *   pending total, ledger opening balance), so they read the index alone.
 * - `commissions (partner_id, processed_at)`: the earnings ledger, whose entries are dated by `processed_at`.
 */
import type { Kysely } from 'kysely';

export function createPartnerCenterMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('commissions_contact_id_ix').on('commissions').column('contact_id').execute();
      await db.schema.createIndex('commissions_partner_totals_ix').on('commissions').columns(['partner_id', 'status', 'kind', 'amount_cents']).execute();
      await db.schema.createIndex('commissions_partner_id_processed_at_ix').on('commissions').columns(['partner_id', 'processed_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('commissions_partner_id_processed_at_ix').ifExists().execute();
      await db.schema.dropIndex('commissions_partner_totals_ix').ifExists().execute();
      await db.schema.dropIndex('commissions_contact_id_ix').ifExists().execute();
    },
  };
}
