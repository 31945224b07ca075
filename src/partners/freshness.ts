/**
 * How fresh the partner center's figures are: the moment the last complete Ontraport sync finished, i.e. the
 * oldest `last_completed_at` over every mirrored object type (a type that keeps failing holds the answer back,
 * since its rows are that old). Undefined until every type has been synced once.
 */
import type { Db } from './repos/db.js';
import { syncCompletions } from './repos/freshness.repo.js';

export interface Freshness {
  /** Epoch ms of the last complete sync. */
  at: number;
  /** "Updated just now", "Updated 4 minutes ago", "Updated 2 hours ago", "Updated 3 days ago". */
  label: string;
}

export function freshnessLabel(at: number, now: number): string {
  const minutes = Math.max(0, Math.floor((now - at) / 60_000));
  if (minutes < 1) return 'Updated just now';
  const unit = (n: number, word: string) => `Updated ${n} ${word}${n === 1 ? '' : 's'} ago`;
  if (minutes < 120) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? unit(hours, 'hour') : unit(Math.floor(hours / 24), 'day');
}

export async function dataFreshness(db: Db, objectTypes: readonly string[], now: number): Promise<Freshness | undefined> {
  const done = await syncCompletions(db);
  if (objectTypes.some((t) => done.get(t) === undefined)) return undefined;
  const at = Math.min(...objectTypes.map((t) => done.get(t)!));
  return { at, label: freshnessLabel(at, now) };
}
