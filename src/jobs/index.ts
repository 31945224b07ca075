/**
 * Background work inside the gateway: sending the email outbox, and, when Ontraport is configured, the
 * scheduled incremental sync (which first sends the Ontraport write-back outbox) followed by the tier rules and
 * leaderboard refresh and the partner notifications it gave rise to. With several workers or gateways on one store, one process does this work at a time:
 * each tick first takes or renews the runner lease (runner-lease.ts) and the others skip. The Ontraport rate
 * limit is shared through the store by every process. Ticks never overlap; `stop()` waits for the one in
 * progress and lets go of the lease.
 */
import type { GatewayDeps } from '../deps.js';
import { processEmailOutbox } from '../mail/index.js';
import { createOntraportClient, processOntraportOutbox, startSyncScheduler, type OntraportClient, type SyncScheduler } from '../ontraport/index.js';
import { afterSync } from '../blocks/index.js';
import { deliverNotifications } from '../notifications/index.js';
import { runnerLease } from './runner-lease.js';

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export interface JobOptions {
  /** How often to send queued email (default 5 s). */
  emailEveryMs?: number;
  /** How often to send Ontraport write-backs when no sync schedule is set (default 30 s). */
  ontraportOutboxEveryMs?: number;
  /** Delay before the first sync (default 5 s). */
  firstSyncInMs?: number;
  /** How often partner notifications (events of payouts confirmed outside a sync, daily digests) are queued (default 60 s). */
  notifyEveryMs?: number;
}

/** Repeats `work` every `everyMs`, never overlapping, until stopped. */
function every(everyMs: number, work: () => Promise<unknown>, onError: (err: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const plan = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = work().catch(onError).finally(() => {
        running = undefined;
        plan();
      });
    }, everyMs);
    timer.unref();
  };
  plan();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}

export function startBackgroundJobs(deps: GatewayDeps, opts: JobOptions = {}): BackgroundJobs {
  const { config, logger, store } = deps;
  const stops: Array<() => Promise<void>> = [];
  const emailEveryMs = opts.emailEveryMs ?? 5_000;
  // Renewed at least every email tick; a dead runner is replaced after a few of them (or 30 s).
  const lease = runnerLease(store, logger, Math.max(30_000, 3 * emailEveryMs));
  const asRunner = (work: () => Promise<unknown>) => async () => ((await lease.held()) ? work() : undefined);

  stops.push(
    every(
      emailEveryMs,
      asRunner(() => processEmailOutbox({ db: store.db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger }, { batch: config.mailDrainBatch, lease: true })),
      (err) => logger.error({ err: (err as Error).message }, 'email outbox tick failed'),
    ),
  );

  const notify = () => deliverNotifications({ db: store.db, keys: config.dataKeys, publicUrl: config.publicUrl, now: deps.now });
  stops.push(every(opts.notifyEveryMs ?? 60_000, asRunner(notify), (err) => logger.error({ err: (err as Error).message }, 'notifications tick failed')));

  let client: OntraportClient | undefined;
  let scheduler: SyncScheduler | undefined;
  if (config.ontraportEnabled) {
    client = createOntraportClient(config, { logger, store });
    const syncDeps = { store, client, logger };
    if (config.syncIntervalSeconds > 0) {
      scheduler = startSyncScheduler(syncDeps, {
        intervalMs: config.syncIntervalSeconds * 1000,
        firstRunInMs: opts.firstSyncInMs ?? 5_000,
        sync: { defaultCurrency: config.defaultCurrency },
        mayRun: () => lease.held(),
        // Under the same lease as the sync: only the runner writes tier changes and ranking snapshots.
        afterRun: async () => {
          await afterSync({ store, logger, now: deps.now, config, blocks: deps.blocks });
          // The sync recorded new commissions, approvals and payouts: their emails go out with this tick.
          await notify();
        },
      });
    } else {
      stops.push(
        every(
          opts.ontraportOutboxEveryMs ?? 30_000,
          asRunner(() => processOntraportOutbox(syncDeps)),
          (err) => logger.error({ err: (err as Error).message }, 'ontraport outbox tick failed'),
        ),
      );
    }
  }

  return {
    async stop() {
      await scheduler?.stop();
      await Promise.all(stops.map((s) => s()));
      await lease.release();
      client?.close();
    },
  };
}
