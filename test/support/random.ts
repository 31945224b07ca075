/**
 * The one seeded random generator of the tests: the demo generator's mulberry32 (src/demo/random.ts), so
 * fixtures, the Ontraport emulator's seed and the demo data draw the same way. Never Math.random in fixtures:
 * the same seed must give the same rows on every run.
 */
export { mulberry32, deriveSeed, type Rng } from '../../src/demo/random.js';
