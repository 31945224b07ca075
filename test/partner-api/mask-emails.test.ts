/**
 * Referred customers' emails reach partners masked (`j***@example.com`) in the contacts JSON and CSV (the
 * PostgreSQL COPY path and the JavaScript path alike), unless PARTNERGATE_MASK_CUSTOMER_EMAILS=false.
 */
import { expect } from 'chai';
import request from 'supertest';
import { useTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { at, insertContact, seedReportWorld, type ReportWorld } from '../reports/fixtures.js';
import { parseCsv } from '../reports/expected.js';

const EMAILS: Array<[string, string]> = [
  ['jane.doe@example.com', 'j***@example.com'],
  ['odd@name@example.org', 'o***@example.org'],
  ['@nolocal.example', '***'],
  ['no-at-sign', '***'],
  ['=cmd@evil.example', "'=***@evil.example"],
];

for (const mask of [true, false]) forEachStore(`partner views: customers' emails ${mask ? 'masked (default)' : 'whole (PARTNERGATE_MASK_CUSTOMER_EMAILS=false)'}`, (ctx) => {
  let world: ReportWorld;
  before(async () => {
    await clearTables(ctx.store);
    world = await seedReportWorld(ctx.store);
    for (const [email] of EMAILS) await insertContact(ctx.store.db, { first_name: 'Mask', last_name: 'Case', email, first: world.partnerA, added_at: at('2026-02-10T12:00:00Z') });
  });
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400', ...(mask ? {} : { PARTNERGATE_MASK_CUSTOMER_EMAILS: 'false' }) });

  it(`contacts CSV and JSON show ${mask ? 'masked' : 'whole'} addresses`, async () => {
    const a = await tg.signIn(world.partnerA);
    const q = 'from=2026-01-01&to=2026-03-31';
    const csv = await request(tg.url).get(`/partner-center/exports/contacts.csv?${q}`).set('Cookie', a.cookie);
    const json = await request(tg.url).get(`/partner-center/api/reports/contacts?${q}&limit=1000`).set('Cookie', a.cookie);
    expect([csv.status, json.status]).to.deep.equal([200, 200]);
    const [header, ...rows] = parseCsv(csv.text);
    const col = header!.indexOf('email');
    const csvMasked = rows.filter((r) => r[3] === 'Mask').map((r) => r[col]);
    const jsonMasked = (json.body.rows as Array<Record<string, string>>).filter((r) => r.first_name === 'Mask').map((r) => r.email);
    if (mask) {
      expect(csvMasked).to.have.members(EMAILS.map(([, m]) => m));
      expect(jsonMasked).to.have.members(EMAILS.map(([, m]) => m.replace(/^'/, '')));
      for (const [email] of EMAILS) expect(csv.text + JSON.stringify(json.body), email).not.to.include(email);
    } else {
      expect(jsonMasked).to.have.members(EMAILS.map(([e]) => e));
      expect(csvMasked).to.include('jane.doe@example.com');
    }
  });
});
