import { expect } from 'chai';
import { and, branches, conditionParam, isPrecedenceFree, eq, gt, isIn, isNull, like, notIn, or, toWireCondition, where } from '../../src/ontraport/conditions.js';
import { cents, MalformedRecord, optionalTime, optionTranslator } from '../../src/ontraport/sync/fields.js';

describe('ontraport condition builder', () => {
  it('writes the documented JSON: clauses joined by "AND" / "OR", IN as a list of values', () => {
    expect(JSON.parse(conditionParam(and(eq('status', '1'), gt('date', 1_700_000_000))))).to.deep.equal([
      { field: { field: 'status' }, op: '=', value: { value: '1' } },
      'AND',
      { field: { field: 'date' }, op: '>', value: { value: 1_700_000_000 } },
    ]);
    expect(toWireCondition(isIn('id', [1, 2]))).to.deep.equal([{ field: { field: 'id' }, op: 'IN', value: { list: [{ value: 1 }, { value: 2 }] } }]);
    expect(toWireCondition(notIn('id', [3]))[0]).to.deep.include({ op: 'NOT IN' });
    expect(toWireCondition(isNull('aff_paypal'))[0]).to.deep.equal({ field: { field: 'aff_paypal' }, op: 'IS', value: { value: 'NULL' } });
    expect(toWireCondition(like('email', '%@x.com'))[0]).to.deep.include({ op: 'LIKE' });
  });

  it('sends only conditions whose meaning does not depend on AND/OR precedence; splits the others into AND-only branches', () => {
    const mixed = and(gt('dlm', 5), or(gt('freferrer', 0), gt('program_id', 0)));
    expect(isPrecedenceFree(mixed)).to.equal(false);
    expect(() => toWireCondition(mixed)).to.throw(/mixes AND and OR \(2 branches\)/);
    const wire = branches(mixed).map((b) => toWireCondition(b).map((x) => (typeof x === 'string' ? x : `${x.field.field}${x.op}`)));
    expect(wire).to.deep.equal([['dlm>', 'AND', 'freferrer>'], ['dlm>', 'AND', 'program_id>']]);
    const anyOf = toWireCondition(or(gt('freferrer', 0), gt('program_id', 0)));
    expect(anyOf.filter((x) => typeof x === 'string')).to.deep.equal(['OR']);
  });

  it('refuses what Ontraport could not read', () => {
    expect(() => where('bad name', '=', 1)).to.throw(/not a field name/);
    expect(() => where('id', 'IN', [] as number[])).to.throw(/empty/);
    expect(() => where('id', 'IN', 3 as unknown as number[])).to.throw(/needs a list/);
    expect(() => and()).to.throw(/no conditions/);
    const many = Array.from({ length: 9 }, (_, i) => or(eq('a', i), eq('b', i)));
    expect(() => toWireCondition(and(...many))).to.throw(/more than 64/);
  });
});

describe('ontraport record values', () => {
  it('turns decimal amounts into cents without floating-point drift', () => {
    expect(cents('19.99', 'x')).to.equal(1999);
    expect(cents('0.1', 'x')).to.equal(10);
    expect(cents('-5', 'x')).to.equal(-500);
    expect(cents('12.3450', 'x')).to.equal(1235);
    expect(cents(1234.5, 'x')).to.equal(123450);
    expect(() => cents('1e3', 'x')).to.throw(MalformedRecord);
    expect(() => cents('', 'amount')).to.throw(/amount is missing/);
  });

  it('reads Unix seconds and treats 0 as unset', () => {
    expect(optionalTime('1700000000', 'd')).to.equal(1_700_000_000_000);
    expect(optionalTime('0', 'd')).to.equal(null);
    expect(() => optionalTime('yesterday', 'd')).to.throw(MalformedRecord);
  });

  it('maps drop-down codes by their labels, narrow words first', () => {
    const status = optionTranslator({ alias: 'Status', type: 'drop', options: { '5': 'Awaiting approval', '6': 'Approved', '7': 'Paid out' } }, [
      [/await|unapprov/i, 'pending'],
      [/paid/i, 'paid'],
      [/approv/i, 'approved'],
    ] as const, 'status');
    expect(['5', '6', '7'].map(status)).to.deep.equal(['pending', 'approved', 'paid']);
    expect(() => status('9')).to.throw(/status "9" is not one Partnergate knows/);
  });
});
