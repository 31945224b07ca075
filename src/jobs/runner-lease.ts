/**
 * One background-job runner per deployment. Every gateway process (each `PARTNERGATE_WORKERS` worker, every
 * gateway on the same store) starts the jobs, but a job's tick only does work in the process holding the
 * store lease `jobs.runner`; the others skip. The holder renews it on each tick; when it stops it lets go,
 * and when it dies another process takes over once the lease expires. So the sync, both outboxes and the tier
 * rules and ranking snapshots after a sync run in one process at a time, and with two processes on one SQLite
 * file only the holder writes background results.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../common/logger.js';
import { acquireLease, releaseLease, type Store } from '../store/index.js';

export const RUNNER_LEASE = 'jobs.runner';

export interface RunnerLease {
  readonly holder: string;
  /** Takes or renews the lease; true when this process is the runner now. */
  held(): Promise<boolean>;
  /** Lets go (another process may take over at its next tick). */
  release(): Promise<void>;
}

export function runnerLease(store: Pick<Store, 'db'>, logger: Logger, ttlMs: number): RunnerLease {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let was = false;
  return {
    holder,
    async held() {
      let now: boolean;
      try {
        now = await acquireLease(store.db, RUNNER_LEASE, holder, ttlMs);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'background-job runner lease: store unavailable; skipping this tick');
        now = false;
      }
      if (now !== was) logger.info({ holder }, now ? 'this process now runs the background jobs' : 'another process runs the background jobs');
      was = now;
      return now;
    },
    async release() {
      if (was) await releaseLease(store.db, RUNNER_LEASE, holder).catch(() => {});
      was = false;
    },
  };
}
