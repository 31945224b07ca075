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

  it('lets views that arrive during a computation share it, for every partner, and computes afresh afterwards', async () => {
    const db = {} as Db;
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      const mine = ++n;
      await gate;
      return mine;
    };
    const views = [1, 2, 3].map(() => memoForBigPartners(db, 'totals:1', compute, () => false));
    const otherKey = memoForBigPartners(db, 'totals:2', compute, () => false);
    release();
    expect(await Promise.all(views)).to.deep.equal([1, 1, 1]);
    expect(await otherKey).to.equal(2);
    expect(n).to.equal(2);
    // Not kept (a small partner): the next view reads the store again.
    expect(await memoForBigPartners(db, 'totals:1', compute, () => false)).to.equal(3);
  });

  it('a failed shared computation fails every view that waited for it, and the next view tries again', async () => {
    const db = {} as Db;
    let n = 0;
    const failing = async () => {
      n++;
      throw new Error('store down');
    };
    const results = await Promise.allSettled([1, 2].map(() => memoForBigPartners(db, 'totals:1', failing, () => true)));
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(n).to.equal(1);
    expect(await memoForBigPartners(db, 'totals:1', async () => 42, () => true)).to.equal(42);
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
