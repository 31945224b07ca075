import { expect } from 'chai';
import { sql } from 'kysely';
import { acquireLease, getKv, migrateToLatest, openStore, setKv } from '../../src/store/index.js';
import { readOnlyDir } from '../support/fs.js';
import { createTestStore, forEachStore, tablesInDeleteOrder } from '../support/store.js';

forEachStore('store', (ctx) => {
  it('applies the schema and round-trips a partner with its program and contact', async () => {
    const db = ctx.store.db;
    const now = Date.UTC(2026, 0, 2);
    const program = await db.insertInto('programs').values({ name: 'Affiliates', currency: 'USD', level_order: 1, rate_bp: 2000, rules_json: '{}', created_at: now, updated_at: now, ontraport_id: null, tier_group: null }).returning('id').executeTakeFirstOrThrow();
    const contact = await db.insertInto('contacts').values({ first_name: 'Ada', last_name: 'L', email: 'ada@example.com', added_at: now, updated_at: now, ontraport_id: 99, first_referrer_id: null, last_referrer_id: null }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('partners').values({ contact_id: contact.id, referral_code: '99', program_id: program.id, paypal_email: null, status: 'active', time_zone: null, alias: null, created_at: now, updated_at: now }).execute();
    const row = await db.selectFrom('partners').innerJoin('programs', 'programs.id', 'partners.program_id').select(['partners.referral_code', 'programs.rate_bp', 'partners.created_at']).executeTakeFirstOrThrow();
    expect(row).to.deep.equal({ referral_code: '99', rate_bp: 2000, created_at: now });
  });

  it('returns big sums of cents as exact numbers', async () => {
    const r = await sql<{ v: number }>`select ${sql.lit(900719925474099)} * 10 as v`.execute(ctx.store.db);
    expect(Number(r.rows[0]!.v)).to.equal(9007199254740990);
  });

  it('gives a lease to one holder at a time and hands it over after expiry', async () => {
    const db = ctx.store.db;
    expect(await acquireLease(db, 'sync', 'a', 1000, 10_000)).to.equal(true);
    expect(await acquireLease(db, 'sync', 'b', 1000, 10_500)).to.equal(false);
    expect(await acquireLease(db, 'sync', 'a', 1000, 10_600)).to.equal(true);
    expect(await acquireLease(db, 'sync', 'b', 1000, 12_000)).to.equal(true);
  });

  it('keeps small JSON values', async () => {
    await setKv(ctx.store.db, 'x', { a: 1 });
    await setKv(ctx.store.db, 'x', { a: 2 });
    expect(await getKv(ctx.store.db, 'x')).to.deep.equal({ a: 2 });
  });

  it("the suite's clearTables knows every table the migrations create (none is left with a previous test's rows)", async () => {
    const tables = (await ctx.store.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
    expect(tables.length).to.be.greaterThan(20);
    expect([...tablesInDeleteOrder].sort()).to.deep.equal([...new Set(tables)].sort());
  });

  it('re-running migrations is a no-op', async () => {
    expect(await migrateToLatest(ctx.store.db, ctx.kind)).to.deep.equal([]);
  });

  it('refuses a store written by a newer schema', async () => {
    const t = await createTestStore(ctx.kind);
    try {
      await t.store.db.insertInto('kysely_migration' as any).values({ name: '2099-01-01-9999-future', timestamp: new Date().toISOString() } as any).execute();
      let message = '';
      try {
        await migrateToLatest(t.store.db, ctx.kind);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.match(/written by a newer Partnergate \(schema 2099-01-01-9999-future\)/);
    } finally {
      await t.dispose();
    }
  });
});

describe('store opening errors', () => {
  it('names an unreachable PostgreSQL without its password', async () => {
    let message = '';
    try {
      await openStore({ kind: 'postgres', url: 'postgres://u:sekrit@127.0.0.1:1/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/);
    expect(message).not.to.contain('sekrit');
  });

  it('names a read-only data folder', async () => {
    const ro = readOnlyDir();
    let message = '';
    try {
      await openStore({ kind: 'sqlite', path: `${ro.dir}/x.sqlite` });
    } catch (err) {
      message = (err as Error).message;
    } finally {
      ro.dispose();
    }
    expect(message).to.contain(`SQLite folder ${ro.dir} is not writable`);
  });
});
