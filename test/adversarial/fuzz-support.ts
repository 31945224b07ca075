/**
 * fast-check plumbing for the adversarial suite: every property is bounded in runs and in time (so the suite
 * stays fast), recorded as one case of the "fuzzing" class under the number of runs it really made (a
 * property cut short by its time limit says so, and fails below a tenth of its runs), and reproducible from
 * the seed fast-check prints on failure (set PARTNERGATE_FUZZ_SEED to replay it; PARTNERGATE_FUZZ_RUNS scales every run count).
 */
import fc from 'fast-check';
import { recordCase } from '../support/adversarial.js';

export const FUZZ_CLASS = 'fuzzing';
const scale = Number(process.env.PARTNERGATE_FUZZ_RUNS ?? 1);
const seed = process.env.PARTNERGATE_FUZZ_SEED ? Number(process.env.PARTNERGATE_FUZZ_SEED) : undefined;

function params(runs: number, timeMs: number): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(runs * scale)), interruptAfterTimeLimit: timeMs * Math.max(1, scale), ...(seed !== undefined ? { seed } : {}) };
}

/**
 * fast-check stops at the time limit without failing; a property that made 3 of 500 runs has shown little.
 * So the runs actually made are what is recorded and printed, and a run stopped by the clock before a tenth
 * of its runs (at least one) fails: a slow machine must not turn a property into a formality.
 */
export function judgeRuns(
  name: string,
  details: fc.RunDetails<unknown>,
  wanted: number,
  timeMs: number,
  record: (label: string, held: boolean) => void = (label, held) => recordCase(FUZZ_CLASS, label, held),
): string {
  if (details.failed) {
    record(name, false);
    throw new Error(fc.defaultReportMessage(details) ?? `${name}: property failed`);
  }
  const made = details.numRuns;
  const label = details.interrupted ? `${name} (${made} of ${wanted} runs: stopped at the ${timeMs} ms limit)` : `${name} (${made} runs)`;
  const floor = Math.max(1, Math.ceil(wanted / 10));
  if (details.interrupted && made < floor) {
    record(label, false);
    throw new Error(`${label}: fewer than ${floor} runs were made, too few to count as checked`);
  }
  if (details.interrupted) console.warn(`fuzz: ${label}`);
  record(label, true);
  return label;
}

/** Checks a synchronous property and records the runs it made (see {@link judgeRuns}). */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => void, runs = 500, timeMs = 4000): void {
  const p = params(runs, timeMs);
  judgeRuns(name, fc.check(fc.property(arb, predicate), p as fc.Parameters<[T]>) as fc.RunDetails<unknown>, p.numRuns!, p.interruptAfterTimeLimit!);
}

/** The asynchronous twin of {@link fuzz}. */
export async function fuzzAsync<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs = 100, timeMs = 6000): Promise<void> {
  const p = params(runs, timeMs);
  judgeRuns(name, (await fc.check(fc.asyncProperty(arb, predicate), p as fc.Parameters<[T]>)) as fc.RunDetails<unknown>, p.numRuns!, p.interruptAfterTimeLimit!);
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
