/**
 * fast-check plumbing for the adversarial suite: every property is bounded in runs and in time (so the suite
 * stays fast), recorded as one case of the "fuzzing" class, and reproducible from the seed fast-check prints
 * on failure (set PARTNERGATE_FUZZ_SEED to replay it; PARTNERGATE_FUZZ_RUNS scales every run count).
 */
import fc from 'fast-check';
import { recordCase } from '../support/adversarial.js';

export const FUZZ_CLASS = 'fuzzing';
const scale = Number(process.env.PARTNERGATE_FUZZ_RUNS ?? 1);
const seed = process.env.PARTNERGATE_FUZZ_SEED ? Number(process.env.PARTNERGATE_FUZZ_SEED) : undefined;

function params(runs: number, timeMs: number): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(runs * scale)), interruptAfterTimeLimit: timeMs * Math.max(1, scale), ...(seed !== undefined ? { seed } : {}) };
}

/** Checks a synchronous property and records it (held = no counterexample in `runs` runs or `timeMs`). */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => void, runs = 500, timeMs = 4000): void {
  try {
    fc.assert(fc.property(arb, predicate), params(runs, timeMs) as fc.Parameters<[T]>);
  } catch (err) {
    recordCase(FUZZ_CLASS, name, false);
    throw err;
  }
  recordCase(FUZZ_CLASS, `${name} (${runs} runs)`, true);
}

/** The asynchronous twin of {@link fuzz}. */
export async function fuzzAsync<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs = 100, timeMs = 6000): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arb, predicate), params(runs, timeMs) as fc.Parameters<[T]>);
  } catch (err) {
    recordCase(FUZZ_CLASS, name, false);
    throw err;
  }
  recordCase(FUZZ_CLASS, `${name} (${runs} runs)`, true);
}

/** Text as strangers type it: any unicode, ASCII punctuation, control characters, and some very long strings. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('/', '\\', '%', '.', ':', '@', '#', '?', '&', '=', '"', "'", '\n', '\r', '\t', '\u0000', ' ', '-', '_', '[', ']', '{', '}', ','), maxLength: 30 }),
  fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', '-0', '1e308', '0x10', '9'.repeat(400), 'a'.repeat(5000), '\uFEFF', '\u202E', '\uD800'),
);

/** Inserts `insert` at a position chosen by `at` (0..1 of the length). */
export function insertAt(text: string, at: number, insert: string): string {
  const i = Math.floor(at * (text.length + 1));
  return text.slice(0, i) + insert + text.slice(i);
}
