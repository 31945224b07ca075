/**
 * Leases: one holder at a time for a named job (the scheduled sync, the outbox sender) across every gateway
 * instance sharing the store. Taking a lease is one conditional upsert, so two instances cannot both win.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/** Takes or renews `name` for `holder` until now + ttlMs. Returns true when `holder` now owns it. */
export async function acquireLease(db: Kysely<Database>, name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  await db
    .insertInto('job_leases')
    .values({ name, holder, expires_at: now + ttlMs })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ holder, expires_at: now + ttlMs }).where((eb) =>
        eb.or([eb('job_leases.holder', '=', holder), eb('job_leases.expires_at', '<', now)]),
      ),
    )
    .execute();
  const row = await db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst();
  return row?.holder === holder;
}

/** A holder name for this process, `host:pid:random`: its liveness can be checked from the same host. */
export function processHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** True when `holder` names a process on this host that no longer exists (killed, crashed). */
export function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * `acquireLease`, taking the lease over at once when its holder is a dead process on this host (a run killed
 * with SIGKILL leaves its lease behind; waiting for it to expire would only delay the next run). A holder on
 * another host, or alive, keeps it until it expires. Returns who holds it when this call did not get it.
 */
export async function acquireLeaseFromDead(db: Kysely<Database>, name: string, holder: string, ttlMs: number): Promise<{ held: true } | { held: false; by: string | null }> {
  if (await acquireLease(db, name, holder, ttlMs)) return { held: true };
  const current = await db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst();
  if (!current || !holderIsDead(current.holder)) return { held: false, by: current?.holder ?? null };
  // Freed only if still that dead holder's: two processes taking over at once cannot both win.
  await releaseLease(db, name, current.holder);
  return (await acquireLease(db, name, holder, ttlMs)) ? { held: true } : { held: false, by: null };
}

export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/** Reads a JSON value from the small key/value table. */
export async function getKv<T>(db: Kysely<Database>, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('kv').select('value_json').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value_json) as T) : undefined;
}

export async function setKv(db: Kysely<Database>, key: string, value: unknown, now = Date.now()): Promise<void> {
  const value_json = JSON.stringify(value);
  await db
    .insertInto('kv')
    .values({ key, value_json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: now }))
    .execute();
}

export { sql };

/**
 * A pool of `count` leases named `${prefix}0` .. `${prefix}${count - 1}`: slots shared by every process on
 * the store (e.g. one per request a rate limit allows in its window). Claiming a slot is `acquireLease` on a
 * free one, so two processes never hold the same slot. Returns the slot, or when the next one frees up.
 */
export async function claimPoolSlot(db: Kysely<Database>, prefix: string, count: number, holder: string, ttlMs: number, now = Date.now()): Promise<{ slot: number } | { retryAt: number }> {
  const rows = await db.selectFrom('job_leases').select(['name', 'expires_at']).where('name', 'like', `${prefix}%`).execute();
  const busyUntil = new Map(rows.filter((r) => r.name.startsWith(prefix)).map((r) => [r.name.slice(prefix.length), Number(r.expires_at)]));
  const free: number[] = [];
  let earliest = Infinity;
  for (let i = 0; i < count; i++) {
    const until = busyUntil.get(String(i));
    if (until === undefined || until < now) free.push(i);
    else earliest = Math.min(earliest, until);
  }
  // Start at a random free slot: processes racing for the pool rarely pick the same one.
  const first = Math.floor(Math.random() * free.length);
  for (let k = 0; k < Math.min(free.length, 3); k++) {
    const slot = free[(first + k) % free.length]!;
    if (await acquireLease(db, `${prefix}${slot}`, holder, ttlMs, now)) return { slot };
  }
  return { retryAt: free.length ? now : earliest };
}

/** Keeps a claimed slot busy until `untilMs` (e.g. the answer's time + the rate window). */
export async function holdPoolSlot(db: Kysely<Database>, prefix: string, slot: number, holder: string, untilMs: number): Promise<void> {
  await db.updateTable('job_leases').set({ expires_at: untilMs }).where('name', '=', `${prefix}${slot}`).where('holder', '=', holder).execute();
}

/** Marks every slot of the pool busy until `untilMs` at least (e.g. the server said: no more until the reset). */
export async function blockPool(db: Kysely<Database>, prefix: string, count: number, untilMs: number): Promise<void> {
  const values = Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, holder: 'blocked', expires_at: untilMs }));
  await db
    .insertInto('job_leases')
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ holder: 'blocked', expires_at: untilMs }).where('job_leases.expires_at', '<', untilMs))
    .execute();
}

/** Frees every slot of the pool (tests, or a changed limit). */
export async function clearPool(db: Kysely<Database>, prefix: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', 'like', `${prefix}%`).execute();
}
