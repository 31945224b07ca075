/**
 * The PostgreSQL COPY path formats cells in SQL; the csv-stringify path formats them in JavaScript. These tests
 * prove the bytes are the same, on the same rows: PostgreSQL COPY == PostgreSQL cursor + csv-stringify ==
 * SQLite + csv-stringify, for every report, several time zones (DST, 45- and 30-minute offsets), BOM on and
 * off, hostile cells, NULLs, quotes, commas, newlines and unicode, and random rows from fast-check.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseDateRange } from '../../src/common/index.js';
import { createExportSlots, openCsvExport, type ReportRequest } from '../../src/reports/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, storeKinds, type TestStore } from '../support/store.js';
import { commission, insertContact, insertPartner, RANGE, seedReportWorld, type ReportWorld } from './fixtures.js';

async function csvOf(store: Store, r: ReportRequest, engine: 'auto' | 'stringify'): Promise<{ text: string; engine: string }> {
  const out = await openCsvExport(store, createExportSlots(), r, { engine });
  const chunks: Buffer[] = [];
  for await (const c of out.body) chunks.push(Buffer.from(c));
  return { text: Buffer.concat(chunks).toString('utf8'), engine: out.engine };
}

const ZONES = ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'UTC'];

const bothStores = storeKinds.includes('sqlite') && storeKinds.includes('postgres');

(bothStores ? describe : describe.skip)('reports: COPY output is byte-for-byte the csv-stringify output', function () {
  this.timeout(120_000);
  let pg: TestStore;
  let lite: TestStore;
  let world: ReportWorld;

  before(async () => {
    [pg, lite] = await Promise.all([createTestStore('postgres'), createTestStore('sqlite')]);
    world = await seedReportWorld(pg.store);
    const liteWorld = await seedReportWorld(lite.store);
    expect(liteWorld).to.deep.equal(world, 'both stores got the same ids');
  });
  after(async () => {
    await pg?.dispose();
    await lite?.dispose();
  });

  async function threeWays(r: ReportRequest) {
    const copy = await csvOf(pg.store, r, 'auto');
    const cursor = await csvOf(pg.store, r, 'stringify');
    const sqlite = await csvOf(lite.store, r, 'auto');
    return { copy, cursor, sqlite };
  }

  const reports: Array<[ReportRequest['report'], ReportRequest['options']]> = [
    ['commissions', {}],
    ['refunds', {}],
    ['payments', {}],
    ['payments', { summary: true }],
    ['contacts', {}],
    ['subscriptions', {}],
  ];

  for (const zone of ZONES) {
    it(`fixture world in ${zone}: every row-level report, BOM on and off`, async () => {
      const range = parseDateRange(RANGE, zone, { maxDays: 3660 });
      for (const [report, options] of reports) {
        for (const bom of [false, true]) {
          const r: ReportRequest = { report, partnerId: world.partnerA, range, currency: 'USD', options: { ...options, bom } };
          const { copy, cursor, sqlite } = await threeWays(r);
          const label = `${report} ${JSON.stringify(options)} bom=${bom}`;
          expect(copy.engine, label).to.equal('copy');
          expect(cursor.engine, label).to.equal('stringify');
          expect(copy.text.split('\r\n').length, `${label}: has rows`).to.be.greaterThan(2);
          expect(copy.text, label).to.equal(cursor.text);
          expect(sqlite.text, label).to.equal(cursor.text);
        }
      }
    });
  }

  it('the affiliate report (csv-stringify on both stores) is the same on PostgreSQL and SQLite', async () => {
    for (const zone of ['America/New_York', 'Asia/Kathmandu']) {
      const range = parseDateRange(RANGE, zone, { maxDays: 3660 });
      for (const by of ['date', 'promo', 'subid'] as const) {
        const r: ReportRequest = { report: 'report', partnerId: world.partnerA, range, currency: 'USD', options: { by } };
        const { copy, sqlite } = await threeWays(r);
        expect(copy.engine).to.equal('stringify');
        expect(sqlite.text, `${by} ${zone}`).to.equal(copy.text);
      }
    }
  });

  it('random hostile rows (fast-check): the three paths agree', async () => {
    const interesting = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ',', "'", ' ', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', 'é', '😀', '\\', ';', '.', 'a', '1');
    const text = fc.string({ unit: fc.oneof(interesting, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 10 }).filter((s) => !s.includes('\u0000'));
    const year2026 = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z') - 86_400_000, max: Date.parse('2027-01-01T00:00:00Z') + 86_400_000 });
    const row = fc.record({
      sub: fc.option(text),
      first: text,
      last: text,
      email: fc.option(text),
      amount: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
      at: year2026,
      paid: fc.option(year2026),
      status: fc.constantFrom('pending', 'approved', 'paid', 'declined', 'refunded' as const),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), fc.constantFrom(...ZONES), async (rows, zone) => {
        run++;
        const partnerIds: number[] = [];
        for (const t of [pg, lite]) {
          const db = t.store.db;
          const programId = (await db.selectFrom('programs').select('id').executeTakeFirstOrThrow()).id;
          const partnerId = await insertPartner(db, { programId, code: `prop-${run}`, timeZone: zone });
          partnerIds.push(partnerId);
          for (const x of rows) await insertContact(db, { first_name: x.first, last_name: x.last, email: x.email, first: partnerId, added_at: x.at });
          await db.insertInto('commissions').values(rows.map((x) => commission(partnerId, { transaction_at: x.at, sub_id: x.sub, amount_cents: x.amount, status: x.status, paid_at: x.paid, processed_at: x.paid }))).execute();
        }
        expect(partnerIds[0]).to.equal(partnerIds[1]);
        const range = parseDateRange({ from: '2026-01-01', to: '2026-12-31' }, zone, { maxDays: 3660 });
        for (const report of ['commissions', 'contacts', 'refunds'] as const) {
          const r: ReportRequest = { report, partnerId: partnerIds[0]!, range, currency: 'USD', options: {} };
          const { copy, cursor, sqlite } = await threeWays(r);
          expect(copy.text, report).to.equal(cursor.text);
          expect(sqlite.text, report).to.equal(cursor.text);
        }
      }),
      { numRuns: 12 },
    );
  });
});
