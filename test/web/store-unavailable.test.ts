/** Which failures are "the store is briefly unreachable" (503 with Retry-After) and which stay 500s. */
import { expect } from 'chai';
import { storeUnavailable } from '../../src/common/index.js';

describe('errors: the store briefly unavailable', () => {
  const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('a restarting or refusing PostgreSQL is 503 with Retry-After', () => {
    for (const err of [pg('57P01', 'terminating connection due to administrator command'), pg('57P03', 'the database system is starting up'), pg('ECONNREFUSED'), pg('08006'), new Error('Connection terminated unexpectedly')]) {
      const mapped = storeUnavailable(err);
      expect(mapped?.status, err.message).to.equal(503);
      expect(mapped?.code).to.equal('store.unavailable');
      expect(mapped?.details.headers).to.deep.equal({ 'Retry-After': '5' });
      expect(mapped?.message).to.not.contain(err.message); // no internals on the page
    }
  });

  it('anything else stays what it is (a 500 the handler logs as an error)', () => {
    for (const err of [new TypeError('x is undefined'), pg('23505', 'duplicate key'), pg('SQLITE_CONSTRAINT_UNIQUE'), pg('42P01', 'relation does not exist'), 'a string', null, undefined]) {
      expect(storeUnavailable(err), String(err)).to.equal(undefined);
    }
  });
});
