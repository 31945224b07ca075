/** Dashboard figures are reused for a minute only when the rule says so (the busiest partners); never otherwise. */
import { expect } from 'chai';
import { memoForBigPartners } from '../../src/partners/slow-memo.js';
import type { Db } from '../../src/partners/repos/db.js';

describe('partners: memo for the busiest partners', () => {
  it('recomputes every time when the value is not to be kept', async () => {
    const db = {} as Db;
    let n = 0;
    for (let i = 1; i <= 3; i++) expect(await memoForBigPartners(db, 'totals:1', async () => ++n, () => false)).to.equal(i);
  });

  it('reuses a kept value, per store handle and per key', async () => {
    const db = {} as Db;
    const other = {} as Db;
    let n = 0;
    const compute = async () => ++n;
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true)).to.equal(1);
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true)).to.equal(1);
    expect(await memoForBigPartners(db, 'totals:2', compute, () => true)).to.equal(2);
    expect(await memoForBigPartners(other, 'totals:1', compute, () => true)).to.equal(3);
  });
});
