/**
 * Every CSV export through a real gateway, on both stores: downloaded, parsed back with csv-parse and compared
 * with what the tests compute from the store's tables; headers, file names, BOM, empty ranges, bad input.
 */
import { expect } from 'chai';
import request from 'supertest';
import { forEachStore } from '../support/store.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { at, RANGE, seedReportWorld, type ReportWorld } from './fixtures.js';
import {
  download,
  expectedCommissions,
  expectedContacts,
  expectedPayments,
  expectedRefunds,
  expectedReport,
  expectedSubscriptions,
  parseCsv,
  type Range,
} from './expected.js';

/** Partner A's range: 2026-01-01..2026-03-31 in America/New_York. */
const rangeA: Range = { startMs: at('2026-01-01T05:00:00Z'), endMs: at('2026-04-01T04:00:00Z'), timeZone: 'America/New_York' };
const q = `from=${RANGE.from}&to=${RANGE.to}`;

forEachStore('reports: CSV exports', (ctx) => {
  let tg: TestGateway;
  let world: ReportWorld;
  let a: SignedIn;

  before(async () => {
    world = await seedReportWorld(ctx.store);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400' });
    a = await signInAs(tg, world.partnerA);
  });
  after(async () => tg?.close());

  const cases: Array<{ path: string; file: string; header: string[]; expected: () => Promise<string[][]> }> = [
    {
      path: 'commissions.csv',
      file: 'commissions',
      header: ['commission_id', 'transaction_at', 'transaction_date_local', 'kind', 'status', 'amount', 'currency', 'product', 'promo_tool', 'sub_id', 'contact_id', 'processed_at', 'paid_at', 'payout_id'],
      expected: () => expectedCommissions(ctx.store, world.partnerA, rangeA),
    },
    {
      path: 'refunds.csv',
      file: 'refunds',
      header: ['commission_id', 'refunded_at', 'refunded_date_local', 'kind', 'status', 'amount', 'currency', 'transaction_at', 'product', 'sub_id', 'payout_id'],
      expected: () => expectedRefunds(ctx.store, world.partnerA, rangeA),
    },
    {
      path: 'payments.csv',
      file: 'payments',
      header: ['payout_id', 'paid_at', 'paid_date_local', 'payout_amount', 'currency', 'method', 'reference', 'commission_id', 'commission_kind', 'commission_amount', 'commission_transaction_at', 'product', 'sub_id'],
      expected: () => expectedPayments(ctx.store, world.partnerA, rangeA, false),
    },
    {
      path: 'payments.csv?summary=1&',
      file: 'payments-summary',
      header: ['payout_id', 'paid_at', 'paid_date_local', 'amount', 'currency', 'method', 'reference', 'commission_count'],
      expected: () => expectedPayments(ctx.store, world.partnerA, rangeA, true),
    },
    {
      path: 'contacts.csv',
      file: 'contacts',
      header: ['contact_id', 'added_at', 'added_date_local', 'first_name', 'last_name', 'email', 'first_referrer', 'last_referrer'],
      expected: () => expectedContacts(ctx.store, world.partnerA, rangeA),
    },
    {
      path: 'subscriptions.csv',
      file: 'subscriptions',
      header: ['subscription_id', 'started_at', 'started_date_local', 'status', 'contact_id', 'first_name', 'last_name', 'product', 'amount', 'commission', 'currency', 'next_charge_at', 'next_charge_date_local'],
      expected: () => expectedSubscriptions(ctx.store, world.partnerA, rangeA),
    },
    {
      path: 'report.csv',
      file: 'report-by-date',
      header: ['date', 'clicks', 'leads', 'sales', 'earned', 'pending', 'currency'],
      expected: () => expectedReport(ctx.store, world.partnerA, rangeA, 'date', 'USD'),
    },
    {
      path: 'report.csv?by=promo&',
      file: 'report-by-promo',
      header: ['promo_tool_id', 'promo_tool', 'clicks', 'sales', 'earned', 'pending', 'currency'],
      expected: () => expectedReport(ctx.store, world.partnerA, rangeA, 'promo', 'USD'),
    },
    {
      path: 'report.csv?by=subid&',
      file: 'report-by-subid',
      header: ['sub_id', 'clicks', 'sales', 'earned', 'pending', 'currency'],
      expected: () => expectedReport(ctx.store, world.partnerA, rangeA, 'subid', 'USD'),
    },
  ];

  for (const c of cases) {
    it(`${c.file}: parsed back, equals the store (header, order, formats, formula guard)`, async () => {
      const url = `/partner-center/exports/${c.path}${c.path.includes('?') ? '' : '?'}${q}`;
      const res = await download(tg, a, url);
      expect(res.status, res.body.toString()).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).to.equal(`attachment; filename="partnergate-${c.file}-2026-01-01_2026-03-31.csv"`);
      expect(res.headers['cache-control']).to.equal('private, no-store');
      const body = res.body as Buffer;
      expect(body.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'no BOM unless asked').to.equal(false);
      const [header, ...rows] = parseCsv(body);
      expect(header).to.deep.equal(c.header);
      const expected = await c.expected();
      expect(expected.length, 'the fixture gives this report rows').to.be.greaterThan(0);
      expect(rows).to.deep.equal(expected);
    });
  }

  it('commissions: the status filter keeps only the asked statuses', async () => {
    const res = await download(tg, a, `/partner-center/exports/commissions.csv?${q}&status=refunded,declined`);
    const [, ...rows] = parseCsv(res.body);
    expect(rows).to.deep.equal(await expectedCommissions(ctx.store, world.partnerA, rangeA, ['refunded', 'declined']));
    expect(new Set(rows.map((r) => r[4]))).to.deep.equal(new Set(['refunded', 'declined']));
  });

  it("commissions: the product filter keeps only that product's rows of this partner, and says so in the file name", async () => {
    const widget = (await ctx.store.db.selectFrom('products').select('id').where('name', '=', 'Widget, "Pro"').executeTakeFirstOrThrow()).id;
    const res = await download(tg, a, `/partner-center/exports/commissions.csv?${q}&product=${widget}`);
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="partnergate-commissions-product-${widget}-2026-01-01_2026-03-31.csv"`);
    const [, ...rows] = parseCsv(res.body);
    const all = await expectedCommissions(ctx.store, world.partnerA, rangeA);
    const expected = all.filter((r) => r[7] === 'Widget, "Pro"');
    expect(expected.length, 'the fixture has other products too').to.be.greaterThan(0).and.lessThan(all.length);
    expect(rows).to.deep.equal(expected);
  });

  it('amounts are plain numbers: negative refunds and clawbacks are not neutralised', async () => {
    const res = await download(tg, a, `/partner-center/exports/refunds.csv?${q}`);
    const [, ...rows] = parseCsv(res.body);
    const amounts = rows.map((r) => r[5]!);
    expect(amounts).to.include('-5.00').and.include('-3.00').and.include('-12.00');
    for (const amount of amounts) expect(amount).to.match(/^-\d+\.\d\d$/);
  });

  it('bom=1 starts the file with a UTF-8 byte order mark; records end with CRLF', async () => {
    const res = await download(tg, a, `/partner-center/exports/commissions.csv?${q}&bom=1`);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    expect(body.subarray(3, 16).toString()).to.equal('commission_id');
    expect(body.toString().endsWith('\r\n')).to.equal(true);
  });

  it('a range without rows gives the header only', async () => {
    for (const path of ['commissions.csv?', 'refunds.csv?', 'payments.csv?', 'payments.csv?summary=1&', 'contacts.csv?', 'subscriptions.csv?', 'report.csv?', 'report.csv?by=subid&', 'report.csv?by=promo&']) {
      const res = await download(tg, a, `/partner-center/exports/${path}from=2020-01-01&to=2020-01-31`);
      expect(res.status).to.equal(200);
      const lines = (res.body as Buffer).toString().split('\r\n');
      expect(lines.length, path).to.equal(2);
      expect(lines[1]).to.equal('');
      expect(parseCsv(res.body)).to.have.length(1);
    }
  });

  it('bad input: 400/404 with a message naming the field', async () => {
    const bad: Array<[string, number, string]> = [
      ['commissions.csv?from=2026-02-30&to=2026-03-01', 400, 'from'],
      ['commissions.csv?from=2026-03-01&to=2026-01-01', 400, 'from'],
      ['commissions.csv?from=yesterday', 400, 'from'],
      ['commissions.csv?from=2024-01-01&to=2026-01-01', 400, 'to'],
      ['commissions.csv?status=stolen', 400, 'status'],
      ['refunds.csv?status=paid', 400, 'status'],
      ['commissions.csv?product=widget', 400, 'product'],
      ['commissions.csv?product=0', 400, 'product'],
      ['refunds.csv?product=1', 400, 'product'],
      ['report.csv?by=partner', 400, 'by'],
      ['commissions.csv?bom=maybe', 400, 'bom'],
      ['salaries.csv', 404, 'report'],
      ['commissions.json', 404, 'report'],
    ];
    for (const [path, status, field] of bad) {
      const res = await request(tg.url).get(`/partner-center/exports/${path}`).set('Cookie', a.cookie).set('Accept', 'application/json');
      expect(res.status, path).to.equal(status);
      expect(res.body.error.field, path).to.equal(field);
      expect(res.body.error.message, path).to.be.a('string').with.length.above(0);
      expect(res.headers['content-disposition'], path).to.equal(undefined);
    }
    const api = await request(tg.url).get('/partner-center/api/reports/nope').set('Cookie', a.cookie);
    expect(api.status).to.equal(404);
    expect(api.body.error).to.include({ code: 'request.unknown_report', field: 'report' });
    const page = await request(tg.url).get('/partner-center/exports/commissions.csv?from=2026-03-01&to=2026-01-01').set('Cookie', a.cookie);
    expect(page.status).to.equal(400);
    expect(page.text).to.contain('is after to');
  });

  it('signed out: no export (sign-in redirect for the browser, 401 for the API)', async () => {
    const csv = await request(tg.url).get(`/partner-center/exports/commissions.csv?${q}`);
    expect(csv.status).to.equal(303);
    const api = await request(tg.url).get(`/partner-center/api/reports/commissions?${q}`);
    expect(api.status).to.equal(401);
  });

  it('HEAD answers the headers without running the export', async () => {
    const res = await request(tg.url).head(`/partner-center/exports/commissions.csv?${q}`).set('Cookie', a.cookie);
    expect(res.status).to.equal(200);
    expect(res.headers['content-disposition']).to.contain('partnergate-commissions-');
  });
});
