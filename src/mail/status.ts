/**
 * Where the outbox stands, for `partnergate migrate status`, `partnergate mail drain --dry-run` and the admin
 * area: counts by state, the oldest email still waiting, and whether a process is draining it right now.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { DRAIN_LEASE } from './drain.js';
import * as repo from './outbox.repo.js';

export interface OutboxStatus extends repo.OutboxCounts {
  /** Queued and due now (`queued` less those waiting to retry later). */
  due: number;
  /** created_at of the oldest queued email (UTC ms), or null when none waits. */
  oldestQueuedAt: number | null;
  /** The process holding the drain lease (host:pid:...), or null when none is sending. */
  drainingBy: string | null;
}

/** Reads the outbox's state; cheap enough for a page (a few indexed aggregates). */
export async function readOutboxStatus(db: Kysely<Database>, now = Date.now()): Promise<OutboxStatus> {
  const counts = await repo.countByStatus(db);
  const extra = await repo.queueFacts(db, now);
  const lease = await db.selectFrom('job_leases').select(['holder', 'expires_at']).where('name', '=', DRAIN_LEASE).executeTakeFirst();
  return { ...counts, ...extra, drainingBy: lease && Number(lease.expires_at) >= now ? lease.holder : null };
}
