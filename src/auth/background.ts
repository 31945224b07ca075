/**
 * Work done after the response is sent (the password-reset email), so that a reply takes the same time whether
 * or not the email belongs to an account. Failures are logged, never thrown at the user. `backgroundIdle()`
 * lets tests and shutdown wait for the work in flight.
 */
import type { Logger } from '../common/index.js';

const pending = new Set<Promise<void>>();

export function runInBackground(log: Logger, what: string, work: () => Promise<void>): void {
  const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(work)
    .catch((err: unknown) => log.error({ err }, `${what} failed`))
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Resolves when no background work is in flight. */
export async function backgroundIdle(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
