/** Dashboard figures are reused for a minute only when the rule says so (the busiest partners); never otherwise. */
import { expect } from 'chai';
import { FRESH_MS, STALE_MS, memoForBigPartners } from '../../src/partners/slow-memo.js';
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

  it('after a minute serves the kept value at once and recomputes it once behind it', async () => {
    const db = {} as Db;
    const t0 = 1_000_000;
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      n++;
      if (n > 1) await gate;
      return n;
    };
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, t0)).to.equal(1);
    const stale = t0 + FRESH_MS + 1;
    // Three views while the recomputation is under way: the old value, and one recomputation only.
    for (let i = 0; i < 3; i++) expect(await memoForBigPartners(db, 'totals:1', compute, () => true, stale)).to.equal(1);
    expect(n).to.equal(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, stale)).to.equal(2);
  });

  it('recomputes before answering when the kept value is older than the stale window', async () => {
    const db = {} as Db;
    let n = 0;
    const compute = async () => ++n;
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, 0)).to.equal(1);
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, FRESH_MS + STALE_MS + 1)).to.equal(2);
  });

  it('a failed recomputation keeps the old value and is tried again on the next view', async () => {
    const db = {} as Db;
    let n = 0;
    let fail = false;
    const compute = async () => {
      n++;
      if (fail) throw new Error('store down');
      return n;
    };
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, 0)).to.equal(1);
    fail = true;
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, FRESH_MS + 1)).to.equal(1);
    await new Promise((r) => setImmediate(r));
    fail = false;
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, FRESH_MS + 2)).to.equal(1); // starts a new try
    await new Promise((r) => setImmediate(r));
    expect(n).to.equal(3);
    expect(await memoForBigPartners(db, 'totals:1', compute, () => true, FRESH_MS + 3)).to.equal(3);
  });
});
