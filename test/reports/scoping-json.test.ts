/**
 * IDOR and JSON: partner A never receives partner B's rows, whatever ids A puts in the query (or in a cursor);
 * the JSON variant of every report pages with a cursor and gives the CSV's rows with typed values.
 */
import { expect } from 'chai';
import request from 'supertest';
import { recordCase } from '../support/adversarial.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { RANGE, seedReportWorld, type ReportWorld } from './fixtures.js';
import { download, parseCsv, textCell } from './expected.js';

const q = `from=${RANGE.from}&to=${RANGE.to}`;
const EXPORTS = ['commissions', 'refunds', 'payments', 'payments?summary=1', 'contacts', 'subscriptions', 'report', 'report?by=promo', 'report?by=subid'];
const withQuery = (name: string, extra: string) => `${name}${name.includes('?') ? '&' : '?'}${extra}`;

forEachStore('reports: scoping and JSON', (ctx) => {
  let tg: TestGateway;
  let world: ReportWorld;
  let a: SignedIn;

  before(async () => {
    world = await seedReportWorld(ctx.store);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400' });
    a = await signInAs(tg, world.partnerA);
  });
  after(async () => tg?.close());

  it("partner A never gets B's rows, also with B's ids in the query", async () => {
    const b = world.partnerB;
    const spoof = `partner_id=${b}&partnerId=${b}&partner=${b}&referral_code=B200&payout_id=${world.payoutB}&id=${b}`;
    const bMarkers = ['B-ONLY', '42.42', '43.43', '7.77', '77.77'];
    for (const name of EXPORTS) {
      const [file, params = ''] = name.split('?');
      const csv = await download(tg, a, `/partner-center/exports/${file}.csv?${q}&${spoof}${params ? `&${params}` : ''}`);
      expect(csv.status, name).to.equal(200);
      const text = (csv.body as Buffer).toString();
      const json = await request(tg.url).get(`/partner-center/api/reports/${withQuery(name, `${q}&${spoof}&limit=1000`)}`).set('Cookie', a.cookie);
      expect(json.status, name).to.equal(200);
      const jsonText = JSON.stringify(json.body.rows);
      const leaked = bMarkers.filter((m) => text.includes(m) || jsonText.includes(m));
      expect(recordCase('IDOR', `export ${name} with B's ids in the query`, leaked.length === 0), `${name} leaked ${leaked}`).to.equal(true);
    }
    // The payout id B's (wrongly linked) commission points at is A's: the payments export still lists A's only.
    const payments = parseCsv((await download(tg, a, `/partner-center/exports/payments.csv?${q}`)).body);
    const ofPayout1 = payments.filter((r) => r[0] === String(world.payoutsA[0]));
    expect(ofPayout1.map((r) => r[9])).to.deep.equal(['15.00', '10.00']);
  });

  it("a cursor built from B's keys only moves within A's rows", async () => {
    const cursor = Buffer.from(JSON.stringify([0, 0])).toString('base64url');
    const res = await request(tg.url).get(`/partner-center/api/reports/commissions?${q}&cursor=${cursor}&limit=1000`).set('Cookie', a.cookie);
    expect(res.status).to.equal(200);
    const ids = new Set((await ctx.store.db.selectFrom('commissions').select('id').where('partner_id', '=', world.partnerA).execute()).map((r) => r.id));
    for (const row of res.body.rows) expect(recordCase('IDOR', `cursor row ${row.commission_id}`, ids.has(row.commission_id))).to.equal(true);
  });

  for (const name of EXPORTS) {
    it(`JSON ${name}: small pages with a cursor give the CSV's rows, typed`, async () => {
      const [file, params = ''] = name.split('?');
      const [header, ...csvRows] = parseCsv((await download(tg, a, `/partner-center/exports/${file}.csv?${q}${params ? `&${params}` : ''}`)).body);
      expect(csvRows.length, 'the fixture gives this report several rows').to.be.greaterThan(1);
      const limit = csvRows.length > 3 ? 3 : 1;
      const rows: Array<Record<string, string | number | null>> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await request(tg.url)
          .get(`/partner-center/api/reports/${withQuery(name, `${q}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)}`)
          .set('Cookie', a.cookie);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.headers['cache-control']).to.equal('private, no-store');
        expect(res.body).to.include({ report: file, from: RANGE.from, to: RANGE.to, timeZone: 'America/New_York' });
        expect(res.body.columns).to.deep.equal(header);
        expect(res.body.rows.length).to.be.at.most(limit);
        rows.push(...res.body.rows);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(pages, 'more than one page').to.be.greaterThan(1);
      expect(rows.length).to.equal(csvRows.length);
      // The CSV is the JSON with text neutralised and everything as text.
      const money = new Set(['amount', 'payout_amount', 'commission_amount', 'earned', 'pending']);
      const asCsv = rows.map((r) => header!.map((h) => (r[h] === null ? '' : typeof r[h] === 'string' && !money.has(h) ? textCell(r[h] as string) : String(r[h]))));
      expect(asCsv).to.deep.equal(csvRows);
      for (const r of rows) for (const [k, v] of Object.entries(r)) if (/^(commission|payout|contact|promo_tool)_id$|^clicks$|^sales$|^leads$|_count$/.test(k)) expect(v === null || typeof v === 'number', `${k} is a number`).to.equal(true);
    });
  }

  it('JSON bad paging input: 400 naming the field', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=5000', 'limit'], ['limit=abc', 'limit'], ['cursor=!!!', 'cursor'], [`cursor=${Buffer.from('[1]').toString('base64url')}`, 'cursor'], [`cursor=${Buffer.from('[{"a":1},2]').toString('base64url')}`, 'cursor'], [`cursor=${Buffer.from('["x",1]').toString('base64url')}`, 'cursor'], [`cursor=${Buffer.from('[0,99999999999]').toString('base64url')}`, 'cursor']]) {
      const res = await request(tg.url).get(`/partner-center/api/reports/commissions?${q}&${query}`).set('Cookie', a.cookie);
      expect(res.status, query).to.equal(400);
      expect(res.body.error.field, query).to.equal(field);
    }
  });
});
