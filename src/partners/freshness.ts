/**
 * How fresh the partner center's figures are: the moment the last complete Ontraport sync finished, i.e. the
 * oldest `last_completed_at` over every mirrored object type (a type that keeps failing holds the answer back,
 * since its rows are that old). Undefined until every type has been synced once.
 */
import { DEFAULT_LOCALE, t } from '../i18n/index.js';
import type { Db } from './repos/db.js';
import { syncCompletions } from './repos/freshness.repo.js';

export interface Freshness {
  /** Epoch ms of the last complete sync. */
  at: number;
  /** How long ago, in the unit a reader wants: minutes under two hours, hours under two days, then days. */
  ago: FreshnessAge;
  /** "Updated just now", "Updated 4 minutes ago", "Updated 2 hours ago", "Updated 3 days ago" (English). */
  label: string;
}

export interface FreshnessAge {
  unit: 'now' | 'minute' | 'hour' | 'day';
  count: number;
}

export function freshnessAge(at: number, now: number): FreshnessAge {
  const minutes = Math.max(0, Math.floor((now - at) / 60_000));
  if (minutes < 1) return { unit: 'now', count: 0 };
  if (minutes < 120) return { unit: 'minute', count: minutes };
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? { unit: 'hour', count: hours } : { unit: 'day', count: Math.floor(hours / 24) };
}

/** The age as a sentence in `locale` (the `dashboard:freshness` message). */
export function freshnessLabel(at: number, now: number, locale = DEFAULT_LOCALE): string {
  return t(locale, 'dashboard:freshness', { ...freshnessAge(at, now) });
}

export async function dataFreshness(db: Db, objectTypes: readonly string[], now: number): Promise<Freshness | undefined> {
  const done = await syncCompletions(db);
  if (objectTypes.some((t) => done.get(t) === undefined)) return undefined;
  const at = Math.min(...objectTypes.map((t) => done.get(t)!));
  return { at, ago: freshnessAge(at, now), label: freshnessLabel(at, now) };
}
