/** The earnings ledger service on both stores: paging of entries and the bound on rows one view reads. */
import { expect } from 'chai';
import { earningsLedger } from '../../src/partners/index.js';
import { forEachStore } from '../support/store.js';
import { FIXED_NOW, DAY, seedPartnerCenter, type Fixture } from '../web/fixture.js';

forEachStore('partners: earnings ledger', (ctx) => {
  let fx: Fixture;
  const range = { startMs: FIXED_NOW - 500 * DAY, endMs: FIXED_NOW + DAY };
  before(async () => {
    fx = await seedPartnerCenter(ctx.store);
  });

  it('pages entries newest first and keeps the balance of each line', async () => {
    const all = await earningsLedger(ctx.store.db, { partnerId: fx.a.id, range, page: { page: 1, size: 100 } });
    const p1 = await earningsLedger(ctx.store.db, { partnerId: fx.a.id, range, page: { page: 1, size: 4 } });
    const p2 = await earningsLedger(ctx.store.db, { partnerId: fx.a.id, range, page: { page: 2, size: 4 } });
    expect(all.entries.length).to.be.greaterThan(8);
    expect([...p1.entries, ...p2.entries]).to.deep.equal(all.entries.slice(0, 8));
    expect(p1.hasNext && p2.hasPrev).to.equal(true);
    expect(all.entries[0]!.balanceCents).to.equal(all.closingCents);
    expect(all.openingCents).to.equal(0);
    for (let i = 0; i + 1 < all.entries.length; i++) expect(all.entries[i]!.at).to.be.at.least(all.entries[i + 1]!.at);
  });

  it('shows no partial ledger when a range holds more rows than one view reads', async () => {
    const l = await earningsLedger(ctx.store.db, { partnerId: fx.a.id, range, page: { page: 1, size: 50 }, maxRows: 3 });
    expect(l.truncated).to.equal(true);
    expect(l.entries).to.deep.equal([]);
    expect(l.closingCents).to.equal(l.openingCents);
  });
});
