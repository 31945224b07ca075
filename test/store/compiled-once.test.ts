/**
 * `compiledOnce` (hot queries compiled once, values bound per call) and the PostgreSQL connection's named
 * statements: the same query text run with different values, in and out of transactions, gives each call
 * its own rows.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { compiledOnce, openStore } from '../../src/store/index.js';
import { clearTables, forEachStore } from '../support/store.js';

forEachStore('store: queries compiled once', (ctx) => {
  const now = Date.UTC(2026, 0, 2);
  const byCurrencyAndMinRate = compiledOnce((db, currency: string, minRate: number) =>
    db.selectFrom('programs').select(['name', 'rate_bp']).where('currency', '=', currency).where('rate_bp', '>=', minRate).where('level_order', '=', 1).orderBy('rate_bp'),
  );

  beforeEach(async () => {
    await clearTables(ctx.store);
    const rows = [
      ['USD low', 'USD', 1000],
      ['USD high', 'USD', 3000],
      ['EUR mid', 'EUR', 2000],
    ] as const;
    for (const [name, currency, rate_bp] of rows) {
      await ctx.store.db.insertInto('programs').values({ name, currency, level_order: 1, rate_bp, rules_json: '{}', created_at: now, updated_at: now, ontraport_id: null, tier_group: null }).execute();
    }
  });

  it("binds each call its own values, in the order the query uses them, keeping the query's own constants", async () => {
    const db = ctx.store.db;
    expect(await byCurrencyAndMinRate(db, 'USD', 0)).to.deep.equal([{ name: 'USD low', rate_bp: 1000 }, { name: 'USD high', rate_bp: 3000 }]);
    expect(await byCurrencyAndMinRate(db, 'USD', 2000)).to.deep.equal([{ name: 'USD high', rate_bp: 3000 }]);
    expect(await byCurrencyAndMinRate(db, 'EUR', 0)).to.deep.equal([{ name: 'EUR mid', rate_bp: 2000 }]);
    expect(await byCurrencyAndMinRate(db, 'GBP', 0)).to.deep.equal([]);
  });

  it("sees a transaction's own uncommitted rows, and only inside it", async () => {
    await ctx.store.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('programs').values({ name: 'GBP new', currency: 'GBP', level_order: 1, rate_bp: 500, rules_json: '{}', created_at: now, updated_at: now, ontraport_id: null, tier_group: null }).execute();
        expect(await byCurrencyAndMinRate(trx, 'GBP', 0)).to.deep.equal([{ name: 'GBP new', rate_bp: 500 }]);
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).to.equal('roll back'));
    expect(await byCurrencyAndMinRate(ctx.store.db, 'GBP', 0)).to.deep.equal([]);
  });

  it('refuses a query whose shape depends on an argument (it would be compiled with the first call only)', async () => {
    const shaped = compiledOnce((db, column: string) => db.selectFrom('programs').select(column as 'name'));
    let err: Error | undefined;
    await shaped(ctx.store.db, 'name').catch((e: Error) => (err = e));
    expect(err?.message).to.match(/every argument must be bound as a value/);
  });

  if (ctx.kind === 'postgres') it('parses a repeated query once per connection (a named prepared statement), not per call', async () => {
    await ctx.store.db.transaction().execute(async (trx) => {
      // One transaction is one connection: run the query three times there (a text is named from its second
      // use), then ask that connection what it keeps.
      for (const currency of ['USD', 'EUR', 'GBP']) await byCurrencyAndMinRate(trx, currency, 0);
      const kept = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'partnergate_%'`.execute(trx);
      const mine = kept.rows.filter((r) => r.statement.includes('"rate_bp" >= $2'));
      expect(mine).to.have.length(1);
    });
  });

  if (ctx.kind === 'postgres') it('keeps answering when a table changes under a prepared `select *` (a newer version migrated the store)', async () => {
    const other = await openStore(ctx.config); // its own pool: one connection, used one query at a time
    const everything = compiledOnce((db, currency: string) => db.selectFrom('programs').selectAll().where('currency', '=', currency).orderBy('id'));
    try {
      for (let i = 0; i < 3; i++) expect((await everything(other.db, 'USD')).map((r) => r.name)).to.deep.equal(['USD low', 'USD high']);
      await sql`alter table programs add column migrated_later integer`.execute(ctx.store.db);
      const rows = await everything(other.db, 'USD');
      expect(rows.map((r) => r.name)).to.deep.equal(['USD low', 'USD high']);
      expect(rows[0]).to.have.property('migrated_later', null);
      expect((await everything(other.db, 'EUR')).map((r) => r.name)).to.deep.equal(['EUR mid']);
    } finally {
      await other.close();
      await sql`alter table programs drop column if exists migrated_later`.execute(ctx.store.db);
    }
  });

  it('runs the same statement text with many different values on one connection (named statements on PostgreSQL)', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => sql<{ v: number }>`select cast(${i} as integer) * 2 as v`.execute(ctx.store.db)));
    expect(results.map((r) => Number(r.rows[0]!.v))).to.deep.equal(Array.from({ length: 40 }, (_, i) => i * 2));
  });
});
