/**
 * The fuzz helper reports what a property really checked: a run cut short by its time limit is not passed
 * off as the full number of runs.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { judgeRuns } from './fuzz-support.js';

/** These cases are about the helper, not attacks: kept out of the adversarial ledger. */
const unrecorded = () => {};

/** Busy-waits: the property's runs take real time, so the time limit is what ends the check. */
function spin(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy */
  }
}

describe('fuzz helper honesty', () => {
  it('fails a property that the time limit stopped before a tenth of its runs', () => {
    const details = fc.check(fc.property(fc.integer(), () => spin(20)), { numRuns: 1000, interruptAfterTimeLimit: 100 });
    expect(details.interrupted).to.equal(true);
    expect(() => judgeRuns('slow property', details as fc.RunDetails<unknown>, 1000, 100, unrecorded)).to.throw(/slow property \(\d+ of 1000 runs: stopped at the 100 ms limit\): fewer than 100 runs/);
  });

  it('names the runs actually made when the time limit stopped a property past the floor', () => {
    const details = { failed: false, interrupted: true, numRuns: 137 } as fc.RunDetails<unknown>;
    expect(judgeRuns('property', details, 400, 150, unrecorded)).to.equal('property (137 of 400 runs: stopped at the 150 ms limit)');
  });

  it('turns a counterexample into a failure with fast-check\'s report', () => {
    const details = fc.check(fc.property(fc.integer({ min: 0, max: 100 }), (n) => {
      expect(n).to.be.below(50);
    }), { numRuns: 200, seed: 1 });
    expect(() => judgeRuns('broken property', details as fc.RunDetails<unknown>, 200, 1000, unrecorded)).to.throw(/Property failed/);
  });

  it('records a complete check with its run count', () => {
    const details = fc.check(fc.property(fc.integer(), () => {}), { numRuns: 50 });
    expect(judgeRuns('quick property', details as fc.RunDetails<unknown>, 50, 1000, unrecorded)).to.equal('quick property (50 runs)');
  });
});
