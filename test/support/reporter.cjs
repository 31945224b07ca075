// Mocha's spec reporter, plus: any summary tables the suite registered (e.g. the adversarial suite's
// "class, cases tried, cases held"), and CI's closing line "N passed, N failed[, N skipped]" as the very last line.
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class PartnergateReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      // Spec registered its epilogue on this event first (in super()), so this prints after it.
      {
        const tables = globalThis.__partnergateSummaries || [];
        for (const t of tables) {
          try {
            process.stdout.write(`\n${t()}\n`);
          } catch (err) {
            process.stdout.write(`\n(summary failed: ${err && err.message})\n`);
          }
        }
        const s = runner.stats || {};
        const skipped = s.pending ? `, ${s.pending} skipped` : '';
        process.stdout.write(`\n${s.passes || 0} passed, ${s.failures || 0} failed${skipped}\n`);
      }
    });
  }
}
module.exports = PartnergateReporter;
