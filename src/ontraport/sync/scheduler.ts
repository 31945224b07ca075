/**
 * The sync inside the gateway: every `intervalMs`, send the queued write-backs, then run the incremental
 * sync. Every instance may run a scheduler; the `ontraport.sync` lease lets one of them sync at a time (the
 * others skip that tick), and outbox rows are claimed one by one, so nothing is done twice.
 * Ticks never overlap: the next one is planned when the previous one has finished.
 */
import { AppError } from '../../common/errors.js';
import { processOntraportOutbox, type ProcessOutboxOptions } from '../outbox/outbox.js';
import { defaultLeaseHolder, runSync } from './run-sync.js';
import type { RunSyncOptions, SyncDeps, SyncSummary } from './types.js';

export interface SyncSchedulerOptions {
  intervalMs: number;
  /** Delay before the first tick (default: one interval). */
  firstRunInMs?: number;
  /** Also send the Ontraport outbox on each tick (default true). */
  processOutbox?: boolean;
  outbox?: ProcessOutboxOptions;
  /** Passed to each run (e.g. defaultCurrency). `full`, `signal` and `leaseHolder` are the scheduler's. */
  sync?: Omit<RunSyncOptions, 'full' | 'signal' | 'leaseHolder' | 'onProgress'>;
  /**
   * Asked at the start of each tick: false skips the tick (e.g. another process is the deployment's
   * background-job runner). Default: always run.
   */
  mayRun?: () => Promise<boolean>;
  /** Awaited after a sync this instance ran, inside the tick (e.g. tier rules and ranking snapshots). */
  afterRun?: (summary: SyncSummary) => Promise<void>;
  /** Called after each tick, with the summary when this instance ran the sync. */
  onTick?: (result: { summary?: SyncSummary; skipped?: string; error?: unknown }) => void;
}

export interface SyncScheduler {
  /** Runs one tick now (waits for a tick in progress first). */
  runNow(): Promise<SyncSummary | undefined>;
  /** Stops planning ticks, aborts a run in progress between pages, and waits for it. */
  stop(): Promise<void>;
}

export function startSyncScheduler(deps: SyncDeps, options: SyncSchedulerOptions): SyncScheduler {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 1) throw new RangeError('startSyncScheduler: intervalMs must be >= 1');
  const holder = defaultLeaseHolder();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<SyncSummary | undefined> | undefined;
  let stopped = false;

  const tick = async (): Promise<SyncSummary | undefined> => {
    if (options.mayRun && !(await options.mayRun())) {
      options.onTick?.({ skipped: 'another process runs the background jobs' });
      return undefined;
    }
    if (options.processOutbox !== false) {
      try {
        await processOntraportOutbox(deps, options.outbox);
      } catch (err) {
        deps.logger.error({ err: (err as Error).message }, 'ontraport outbox tick failed');
      }
    }
    try {
      const summary = await runSync(deps, { ...options.sync, signal: controller.signal, leaseHolder: holder });
      if (options.afterRun) {
        try {
          await options.afterRun(summary);
        } catch (err) {
          deps.logger.error({ err: (err as Error).message }, 'work after the ontraport sync failed');
        }
      }
      options.onTick?.({ summary });
      return summary;
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') {
        deps.logger.debug('ontraport sync tick skipped: another runner holds the lease');
        options.onTick?.({ skipped: err.message });
      } else if (!controller.signal.aborted) {
        deps.logger.error({ err: (err as Error).message, code: (err as AppError).code }, 'ontraport sync tick failed');
        options.onTick?.({ error: err });
      }
      return undefined;
    }
  };

  const plan = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void runTick().finally(() => plan(options.intervalMs));
    }, delay);
    timer.unref?.();
  };

  const runTick = (): Promise<SyncSummary | undefined> => {
    if (!current) current = tick().finally(() => (current = undefined));
    return current;
  };

  plan(options.firstRunInMs ?? options.intervalMs);

  return {
    async runNow() {
      if (current) await current.catch(() => undefined);
      return runTick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      controller.abort(new Error('sync scheduler stopped'));
      await current?.catch(() => undefined);
    },
  };
}
