import * as client from 'openid-client';
import type { Logger } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { deleteSession, recordAudit, replaceSessionTokens } from '../accounts/index.js';
import type { OidcConfiguration } from './oidc-discovery.js';
import { REFRESH_TOKEN_PURPOSE, type SecretBox } from './secret-box.js';
import type { SessionWithAccount } from './sessions.js';

/** What a session keeps from the provider (in `sessions.oidc_tokens_json`). */
export interface StoredTokens {
  idToken?: string;
  /** Sealed with the data key (`secret-box.ts`). */
  refreshToken?: string;
  /** When the access token expires: the moment to check with the provider that the user is still allowed. */
  accessExpiresAt?: number;
  /** Set while one request refreshes, so instances sharing the session do not refresh it twice. */
  refreshingUntil?: number;
}

export interface TokenRefresherDeps {
  config: Pick<Config, 'oidcEnabled'>;
  store: Pick<Store, 'db'>;
  logger: Pick<Logger, 'warn'>;
  box: SecretBox;
  configuration: OidcConfiguration;
  now: () => number;
}

/**
 * Checks with the provider, once the access token has expired, that the user is still allowed: false (and the
 * session ended) when the provider refuses the refresh token; true otherwise, also when the provider is down.
 */
export function createTokenRefresher(deps: TokenRefresherDeps): (session: SessionWithAccount) => Promise<boolean> {
  const { config, store, logger, box, configuration } = deps;
  return async function refreshIfDue(session) {
    if (session.auth_method !== 'oidc' || !session.oidc_tokens_json || !config.oidcEnabled) return true;
    const now = deps.now();
    const before = session.oidc_tokens_json;
    const tokens = JSON.parse(before) as StoredTokens;
    if (!tokens.refreshToken || tokens.accessExpiresAt === undefined || tokens.accessExpiresAt > now) return true;
    if (tokens.refreshingUntil !== undefined && tokens.refreshingUntil > now) return true;
    const claimed = JSON.stringify({ ...tokens, refreshingUntil: now + 30_000 });
    if (!(await replaceSessionTokens(store.db, session.id_hash, before, claimed))) return true;
    try {
      const cfg = await configuration();
      // Sealed with the data key; a session stored before that holds it plain (open() passes it through).
      const current = box.open(tokens.refreshToken, REFRESH_TOKEN_PURPOSE).value;
      const fresh = await client.refreshTokenGrant(cfg, current);
      const next: StoredTokens = {
        idToken: fresh.id_token ?? tokens.idToken,
        refreshToken: box.seal(fresh.refresh_token ?? current, REFRESH_TOKEN_PURPOSE),
        accessExpiresAt: now + (fresh.expiresIn() ?? 3600) * 1000,
      };
      const json = JSON.stringify(next);
      await replaceSessionTokens(store.db, session.id_hash, claimed, json);
      session.oidc_tokens_json = json;
      return true;
    } catch (err) {
      if (err instanceof client.ResponseBodyError && err.error === 'invalid_grant') {
        // The provider no longer accepts this sign-in (user signed out there, disabled, or grant revoked).
        await deleteSession(store.db, session.id_hash);
        await recordAudit(store.db, { action: 'auth.session_ended_by_provider', actorAccountId: session.account_id, partnerId: session.partner_id, at: now });
        return false;
      }
      // The provider is unreachable: keep the session (its own timeouts still apply) and try again later.
      logger.warn({ err: (err as Error).message }, 'OIDC refresh failed; will retry');
      await replaceSessionTokens(store.db, session.id_hash, claimed, JSON.stringify({ ...tokens, accessExpiresAt: now + 60_000 }));
      return true;
    }
  };
}
