/**
 * `migrate status`: where each situation's journal stands (steps done, items per status), whether an apply is
 * running right now (the apply lock), and the outbox (queued / sent / failed). Reads only.
 */
import { readOutboxStatus, type OutboxStatus } from '../../src/mail/index.js';
import type { Store } from '../../src/store/index.js';
import { APPLY_LEASE, APPLY_LOCK_KEY } from './apply-lock.js';
import type { SituationName } from './context.js';
import { stepCounts } from './journal.repo.js';

export interface SituationStatus {
  situation: SituationName;
  /** Steps marked done as a whole. */
  stepsDone: string[];
  /** Steps over many items: items per status. */
  items: Record<string, { done: number; failed: number; skipped: number }>;
}

export interface MigrationStatus {
  situations: SituationStatus[];
  /** Who holds the apply lock (an apply or rollback running), or null. */
  applyRunning: string | null;
  outbox: OutboxStatus;
}

async function applyHolder(store: Pick<Store, 'db' | 'kind' | 'pgPool'>): Promise<string | null> {
  if (store.kind === 'postgres' && store.pgPool) {
    const r = await store.pgPool.query<{ pid: number }>("select pid from pg_locks where locktype = 'advisory' and objid = $1 and granted limit 1", [APPLY_LOCK_KEY]);
    return r.rows[0] ? `PostgreSQL session ${r.rows[0].pid}` : null;
  }
  const lease = await store.db.selectFrom('job_leases').select(['holder', 'expires_at']).where('name', '=', APPLY_LEASE).executeTakeFirst();
  return lease && Number(lease.expires_at) >= Date.now() ? lease.holder : null;
}

export async function migrationStatus(store: Pick<Store, 'db' | 'kind' | 'pgPool'>, names: readonly SituationName[]): Promise<MigrationStatus> {
  const situations: SituationStatus[] = [];
  for (const situation of names) {
    const out: SituationStatus = { situation, stepsDone: [], items: {} };
    for (const c of await stepCounts(store.db, situation)) {
      if (c.whole) {
        if (c.status === 'done') out.stepsDone.push(c.step);
        continue;
      }
      out.items[c.step] ??= { done: 0, failed: 0, skipped: 0 };
      out.items[c.step]![c.status] += c.n;
    }
    situations.push(out);
  }
  return { situations, applyRunning: await applyHolder(store), outbox: await readOutboxStatus(store.db) };
}
