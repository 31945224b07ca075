/**
 * One `migrate ... apply` (or rollback) at a time per store, whatever the situation: two at once would issue
 * credentials side by side and race on the journal.
 *
 * - PostgreSQL: `pg_try_advisory_lock` on a connection of its own, held for the whole run. PostgreSQL frees the
 *   lock when that session ends, so a process killed with SIGKILL (its socket closed by the kernel) leaves no
 *   lock behind and the next apply goes ahead at once.
 * - SQLite: the store lease `migration.apply` (job_leases) with the holder's host and pid, renewed every few
 *   seconds. A SQLite file is used from one host (it is not safe over a network file system), so a holder on
 *   this host whose pid no longer exists is dead and its lease is taken over at once; otherwise the lease
 *   expires LEASE_TTL_MS after its last renewal (a holder on another host, or a frozen one).
 */
import { AppError } from '../../src/common/index.js';
import { acquireLease, acquireLeaseFromDead, processHolder, releaseLease, type Store } from '../../src/store/index.js';

export const APPLY_LEASE = 'migration.apply';
/** Advisory lock key of `migrate apply` (PostgreSQL): "PGMA", one per database. */
export const APPLY_LOCK_KEY = 0x50474d41;
const LEASE_TTL_MS = 30_000;
const RENEW_EVERY_MS = 5_000;

export interface ApplyLock {
  release(): Promise<void>;
}

/** Another apply holds the lock (`migration.apply_locked`); the CLI exits 5 on that code. */
export class ApplyLocked extends AppError {
  constructor(readonly holder: string | null) {
    super('migration.apply_locked', `another \`migrate ... apply\` is running on this store${holder ? ` (${holder})` : ''}: wait for it to finish, or stop it; this one changed nothing`);
  }
}

export async function acquireApplyLock(store: Pick<Store, 'db' | 'kind' | 'pgPool'>): Promise<ApplyLock> {
  return store.kind === 'postgres' && store.pgPool ? postgresLock(store.pgPool) : leaseLock(store);
}

async function postgresLock(pool: NonNullable<Store['pgPool']>): Promise<ApplyLock> {
  const client = await pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [APPLY_LOCK_KEY]);
    if (!got.rows[0]?.ok) {
      const who = await client.query<{ pid: number; application_name: string; client_addr: string | null }>(
        "select a.pid, a.application_name, a.client_addr::text from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.objid = $1 and l.granted limit 1",
        [APPLY_LOCK_KEY],
      );
      const row = who.rows[0];
      throw new ApplyLocked(row ? `PostgreSQL session ${row.pid}${row.client_addr ? ` from ${row.client_addr}` : ''}` : null);
    }
  } catch (err) {
    client.release();
    throw err;
  }
  return {
    async release() {
      // An error here means the session is gone, and the lock with it.
      await client.query('select pg_advisory_unlock($1)', [APPLY_LOCK_KEY]).catch(() => undefined);
      client.release();
    },
  };
}

async function leaseLock(store: Pick<Store, 'db'>): Promise<ApplyLock> {
  const holder = processHolder();
  const got = await acquireLeaseFromDead(store.db, APPLY_LEASE, holder, LEASE_TTL_MS);
  if (!got.held) throw new ApplyLocked(got.by);
  const timer = setInterval(() => {
    acquireLease(store.db, APPLY_LEASE, holder, LEASE_TTL_MS).catch(() => undefined);
  }, RENEW_EVERY_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await releaseLease(store.db, APPLY_LEASE, holder).catch(() => undefined);
    },
  };
}

/** Runs `work` holding the apply lock. */
export async function withApplyLock<T>(store: Pick<Store, 'db' | 'kind' | 'pgPool'>, work: () => Promise<T>): Promise<T> {
  const lock = await acquireApplyLock(store);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
