/** Which statements a PostgreSQL pool runs as named prepared statements (the policy; the effect on a real
 * connection is checked in compiled-once.test.ts). */
import { expect } from 'chai';
import { StatementNames } from '../../src/store/prepared-statements.js';

describe('store: which PostgreSQL statements are prepared', () => {
  const page = 'select "id" from "commissions" where "partner_id" = $1 order by "id" limit $2';

  it('names a statement from its second use, and keeps that name', () => {
    const names = new StatementNames();
    expect(names.nameFor(page, 2)).to.equal(undefined);
    const name = names.nameFor(page, 2);
    expect(name).to.be.a('string');
    expect(names.nameFor(page, 2)).to.equal(name);
    expect(names.nameFor(`${page} offset $3`, 3)).to.equal(undefined);
  });

  it('never names transaction commands, statements with many parameters or huge texts', () => {
    const names = new StatementNames();
    const bulk = `insert into "visits" values ${Array.from({ length: 40 }, (_, i) => `($${i + 1})`).join(', ')}`;
    for (const [text, n] of [['begin', 0], ['commit', 0], [bulk, 40], [`select ${'1, '.repeat(5000)}1`, 0]] as const) {
      for (let i = 0; i < 3; i++) expect(names.nameFor(text, n), text.slice(0, 20)).to.equal(undefined);
    }
    expect(names.size).to.equal(0);
  });

  it('names at most its cap of texts; past it statements run unnamed', () => {
    const names = new StatementNames(3);
    const texts = Array.from({ length: 5 }, (_, i) => `select ${i} where $1 = $1`);
    for (const t of texts) names.nameFor(t, 1);
    const named = texts.map((t) => names.nameFor(t, 1));
    expect(named.filter((n) => n !== undefined)).to.have.length(3);
    expect(named.slice(3)).to.deep.equal([undefined, undefined]);
    expect(new Set(named.slice(0, 3)).size).to.equal(3);
  });

  it('never names again a text whose prepared form went stale, and never gives its name to another text', () => {
    const names = new StatementNames();
    names.nameFor(page, 2);
    const stale = names.nameFor(page, 2)!;
    names.unname(page);
    for (let i = 0; i < 3; i++) expect(names.nameFor(page, 2)).to.equal(undefined);
    const other = `${page} for update`;
    names.nameFor(other, 2);
    expect(names.nameFor(other, 2)).to.be.a('string').and.not.equal(stale);
  });
});
