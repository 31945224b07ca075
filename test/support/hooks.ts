/** Mocha root hooks: stop the shared PostgreSQL (and any harness registered here) when the run ends. */
import { stopSharedPostgres } from './store.js';

const teardowns: Array<() => Promise<void>> = [];

/** Harnesses started once per run (WordPress, the OIDC provider...) register their stop here. */
export function onRunEnd(fn: () => Promise<void>): void {
  teardowns.push(fn);
}

export async function mochaGlobalTeardown(): Promise<void> {
  for (const fn of teardowns.reverse()) await fn().catch((err) => console.error('teardown failed:', err));
  await stopSharedPostgres();
}
