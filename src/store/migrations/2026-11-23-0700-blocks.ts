/**
 * Dynamic blocks and rollups.
 * - `rollup_values`: per-partner values of each ranked rollup (a leaderboard's, a contest's), a snapshot
 *   refreshed by one indexed GROUP BY after each sync (or per partner for the partners a sync touched), so a
 *   leaderboard over 100k partners reads the top N and one rank count from an index instead of aggregating
 *   millions of commissions per page view. Keyed by `ranking_key` = rollup name + hash of its definition.
 * - `rollup_snapshots`: when each snapshot was computed and against which data version (freshness check).
 * - `tier_upgrades`: every level change made by the tier rules (state + audit), one per partner and program.
 * - `updated_at` indexes: the cheap "did anything change" check (max over an index) of the snapshot.
 */
import { sql, type Kysely } from 'kysely';

export function createBlocksMigration(kind: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('rollup_values')
        .addColumn('ranking_key', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'integer', (c) => c.notNull())
        .addColumn('program_id', 'integer', (c) => c.notNull())
        .addColumn('ladder', 'text', (c) => c.notNull())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollup_values_pk', ['ranking_key', 'partner_id'])
        .execute();
      // Top N and "how many are ahead of me", within a tier ladder or over everyone.
      await sql`create index rollup_values_ladder_rank_ix on rollup_values (ranking_key, ladder, value desc, partner_id)`.execute(db);
      await sql`create index rollup_values_rank_ix on rollup_values (ranking_key, value desc, partner_id)`.execute(db);

      await db.schema
        .createTable('rollup_snapshots')
        .addColumn('ranking_key', 'text', (c) => c.primaryKey())
        .addColumn('rollup', 'text', (c) => c.notNull())
        .addColumn('as_of', 'text')
        .addColumn('data_version', 'text', (c) => c.notNull())
        .addColumn('refreshed_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .execute();

      await (kind === 'postgres'
        ? db.schema.createTable('tier_upgrades').addColumn('id', 'serial', (c) => c.primaryKey())
        : db.schema.createTable('tier_upgrades').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
        .addColumn('partner_id', 'integer', (c) => c.notNull())
        .addColumn('tier_group', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('from_program_id', 'integer', (c) => c.notNull())
        .addColumn('to_program_id', 'integer', (c) => c.notNull())
        .addColumn('to_level', 'integer', (c) => c.notNull())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .addColumn('ontraport_key', 'text')
        .addColumn('email_key', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tier_upgrades_partner_program_uq').on('tier_upgrades').columns(['partner_id', 'to_program_id']).unique().execute();

      for (const table of ['commissions', 'partners', 'contacts', 'open_orders']) {
        await db.schema.createIndex(`${table}_updated_at_ix`).on(table).column('updated_at').execute();
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['commissions', 'partners', 'contacts', 'open_orders']) {
        await db.schema.dropIndex(`${table}_updated_at_ix`).ifExists().execute();
      }
      await db.schema.dropTable('tier_upgrades').ifExists().execute();
      await db.schema.dropTable('rollup_snapshots').ifExists().execute();
      await db.schema.dropTable('rollup_values').ifExists().execute();
    },
  };
}
