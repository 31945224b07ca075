/**
 * Background work inside the gateway: sending the email outbox, and, when Ontraport is configured, the
 * scheduled incremental sync (which first sends the Ontraport write-back outbox) followed by the tier rules and
 * leaderboard refresh. Every job is safe with several gateway instances: outbox rows are claimed one by one and
 * the sync holds a lease. Ticks never overlap; `stop()` waits for the one in progress.
 */
import type { GatewayDeps } from '../deps.js';
import { processEmailOutbox } from '../mail/index.js';
import { createOntraportClient, processOntraportOutbox, startSyncScheduler, type OntraportClient, type SyncScheduler } from '../ontraport/index.js';
import { afterSync } from '../blocks/index.js';

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export interface JobOptions {
  /** How often to send queued email (default 5 s). */
  emailEveryMs?: number;
  /** How often to send Ontraport write-backs when no sync schedule is set (default 30 s). */
  ontraportOutboxEveryMs?: number;
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

  stops.push(
    every(
      opts.emailEveryMs ?? 5_000,
      () => processEmailOutbox({ db: store.db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger }),
      (err) => logger.error({ err: (err as Error).message }, 'email outbox tick failed'),
    ),
  );

  let client: OntraportClient | undefined;
  let scheduler: SyncScheduler | undefined;
  if (config.ontraportEnabled) {
    client = createOntraportClient(config, { logger });
    const syncDeps = { store, client, logger };
    if (config.syncIntervalSeconds > 0) {
      scheduler = startSyncScheduler(syncDeps, {
        intervalMs: config.syncIntervalSeconds * 1000,
        firstRunInMs: 5_000,
        sync: { defaultCurrency: config.defaultCurrency },
        onTick: ({ summary }) => {
          if (!summary) return;
          void afterSync({ store, logger, now: deps.now, config }).catch((err) => logger.error({ err: (err as Error).message }, 'tier rules after sync failed'));
        },
      });
    } else {
      stops.push(
        every(
          opts.ontraportOutboxEveryMs ?? 30_000,
          () => processOntraportOutbox(syncDeps),
          (err) => logger.error({ err: (err as Error).message }, 'ontraport outbox tick failed'),
        ),
      );
    }
  }

  return {
    async stop() {
      await scheduler?.stop();
      await Promise.all(stops.map((s) => s()));
      client?.close();
    },
  };
}
