/**
 * `/sync`: the Ontraport sync per object (last run, its counts and error, skipped records), when the next
 * scheduled run is due, whether a run holds the lease now, how much of the shared rate limit is in use, and
 * the write-back outbox (queued, failed).
 */
import { Router } from 'express';
import type { GatewayDeps } from '../deps.js';
import { countOntraportOutbox, readAllSyncStates, SYNC_LEASE, syncObjectNames } from '../ontraport/index.js';
import type { Database, Kysely } from '../store/index.js';
import { render } from './http.js';

/** Slots of the shared Ontraport rate limit held right now (store-rate-limiter.ts: `ontraport.rate|…` leases). */
async function rateSlotsInUse(db: Kysely<Database>, now: number): Promise<number> {
  const r = await db.selectFrom('job_leases').select((eb) => eb.fn.countAll<number>().as('n')).where('name', 'like', 'ontraport.rate|%').where('expires_at', '>', now).executeTakeFirst();
  return Number(r?.n ?? 0);
}

async function syncLease(db: Kysely<Database>, now: number): Promise<{ holder: string; expires_at: number } | undefined> {
  return db.selectFrom('job_leases').select(['holder', 'expires_at']).where('name', '=', SYNC_LEASE).where('expires_at', '>', now).executeTakeFirst();
}

export function syncRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.get('/sync', async (req, res) => {
    const now = deps.now();
    const [states, slots, lease, writeBacks] = await Promise.all([readAllSyncStates(db), rateSlotsInUse(db, now), syncLease(db, now), countOntraportOutbox(db)]);
    const objects = syncObjectNames.map((name) => {
      const s = states[name];
      const last = s?.lastRun;
      return {
        name,
        lastCompletedAt: s?.lastCompletedAt ?? undefined,
        kind: last?.kind,
        status: last?.status,
        fetched: last?.fetched,
        upserted: last?.upserted,
        deleted: last?.deleted,
        skipped: last?.skipped,
        error: last?.error?.message,
        skippedRecords: (last?.skippedRecords ?? []).slice(0, 5),
        inProgress: s?.inProgress ? { kind: s.inProgress.kind, fetched: s.inProgress.progress.fetched } : undefined,
      };
    });
    const completed = objects.map((o) => o.lastCompletedAt).filter((t): t is number => t !== undefined);
    const lastRunAt = completed.length ? Math.max(...completed) : undefined;
    const interval = deps.config.syncIntervalSeconds * 1000;
    const scheduled = deps.config.ontraportEnabled && interval > 0;
    render(deps, req, res, 'sync', 'sync', {
      title: 'Sync status',
      configured: deps.config.ontraportEnabled,
      scheduled,
      intervalMinutes: Math.round(interval / 60_000),
      lastRunAt,
      nextRunAt: scheduled ? Math.max(now, (lastRunAt ?? now) + interval) : undefined,
      running: lease ? { holder: lease.holder } : undefined,
      rate: { used: slots, limit: deps.config.ontraportRatePerMinute },
      errors: objects.filter((o) => o.status === 'failed' || o.error).length,
      objects,
      writeBacks,
    });
  });

  return router;
}
