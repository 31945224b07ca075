/**
 * Clearing out what sign-in leaves behind: expired sessions (already refused when presented), used or expired
 * one-time tokens, and throttle counters whose window is over; then stored secrets not sealed under the current
 * data key are re-sealed (`reseal.ts`). Run now and then by the gateway itself (at most
 * every 10 minutes per instance, after a sign-in, in the background).
 */
import type { Kysely } from 'kysely';
import type { GatewayDeps } from '../deps.js';
import type { Database } from '../store/index.js';
import { runInBackground } from './background.js';
import { resealStoredSecrets } from './reseal.js';
import { secretBoxFor } from './secret-box.js';
import { purgeExpiredTokens } from '../accounts/index.js';
import { purgeExpiredSessions } from './sessions.js';
import { purgeStaleCounters, THROTTLE_WINDOW_MS } from './throttle.js';

const PURGE_EVERY_MS = 10 * 60_000;
/** Expired tokens stay a day, so an audit question about a link ("was it used?") can still be answered. */
const KEEP_EXPIRED_TOKENS_MS = 24 * 3600_000;

export async function purgeExpiredSignInData(db: Kysely<Database>, now = Date.now()): Promise<{ sessions: number; tokens: number; counters: number }> {
  return {
    sessions: await purgeExpiredSessions(db, now),
    tokens: await purgeExpiredTokens(db, now - KEEP_EXPIRED_TOKENS_MS),
    counters: await purgeStaleCounters(db, now - THROTTLE_WINDOW_MS),
  };
}

const lastPurge = new WeakMap<GatewayDeps, number>();

/** Starts a background purge when this gateway has not run one for a while. */
export function purgeNowAndThen(deps: GatewayDeps): void {
  const now = deps.now();
  if (now - (lastPurge.get(deps) ?? 0) < PURGE_EVERY_MS) return;
  lastPurge.set(deps, now);
  runInBackground(deps.logger, 'sign-in data purge', async () => {
    // The wall clock, like the session loader that judges expiry (deps.now may be a test's fixed clock).
    const purged = await purgeExpiredSignInData(deps.store.db, Date.now());
    deps.logger.debug(purged, 'purged expired sign-in data');
    const resealed = await resealStoredSecrets(deps.store.db, secretBoxFor(deps.config));
    if (resealed.resealed > 0 || resealed.unreadable > 0) {
      // What an operator rotating PARTNERGATE_DATA_KEY waits for: resealed 0 (and unreadable 0) before dropping the previous key.
      deps.logger[resealed.unreadable ? 'warn' : 'info'](resealed, 'stored secrets re-sealed under the current data key');
    }
  });
}
