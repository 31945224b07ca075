/**
 * The adversarial suite's ledger: every attack or fault case is recorded under its class as tried, and as held
 * when the defence worked. At the end of the run the reporter prints one table (class, cases tried, cases
 * held). A case that does not hold also fails its own test, so the run fails.
 */
interface ClassTally {
  tried: number;
  held: number;
  failures: string[];
}

const tallies = new Map<string, ClassTally>();

declare global {
  var __partnergateSummaries: Array<() => string> | undefined;
}

function summary(): string {
  const rows = [...tallies.entries()].map(([cls, t]) => `| ${cls} | ${t.tried} | ${t.held} |${t.failures.length ? ` not held: ${t.failures.slice(0, 5).join('; ')}` : ''}`);
  const tried = [...tallies.values()].reduce((a, t) => a + t.tried, 0);
  const held = [...tallies.values()].reduce((a, t) => a + t.held, 0);
  return ['Adversarial and fault suite', '| class | cases tried | cases held |', '|---|---|---|', ...rows, `| total | ${tried} | ${held} |`].join('\n');
}

let registered = false;

/**
 * Records one case. Call `held(true)` when the defence worked; the returned boolean is what to assert on.
 * @example expect(recordCase('open redirect', name, location === '/partner-center/')).to.equal(true)
 */
export function recordCase(cls: string, name: string, held: boolean): boolean {
  if (!registered) {
    globalThis.__partnergateSummaries ??= [];
    globalThis.__partnergateSummaries.push(summary);
    registered = true;
  }
  const t = tallies.get(cls) ?? { tried: 0, held: 0, failures: [] };
  t.tried++;
  if (held) t.held++;
  else t.failures.push(name);
  tallies.set(cls, t);
  return held;
}
