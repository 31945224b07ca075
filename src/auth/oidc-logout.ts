import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';
import type { Logger } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { recordAudit } from '../accounts/index.js';
import type { OidcConfiguration } from './oidc-discovery.js';
import { oidcFailed } from './oidc-identity.js';
import type { StoredTokens } from './oidc-tokens.js';
import { endSessionsByOidcSid, endSessionsByOidcSub, type SessionWithAccount } from './sessions.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** RP-initiated logout: the provider's end-session URL for a session signed in there (none when it has none). */
export function createEndSessionUrl(config: Pick<Config, 'oidcEnabled' | 'publicUrl'>, logger: Pick<Logger, 'warn'>, configuration: OidcConfiguration) {
  return async function endSessionUrl(session: SessionWithAccount): Promise<string | undefined> {
    if (!config.oidcEnabled || session.auth_method !== 'oidc') return undefined;
    try {
      const cfg = await configuration();
      if (!cfg.serverMetadata().end_session_endpoint) return undefined;
      const tokens = JSON.parse(session.oidc_tokens_json ?? '{}') as StoredTokens;
      const params: Record<string, string> = { post_logout_redirect_uri: `${config.publicUrl}/sso/signed-out` };
      if (tokens.idToken) params.id_token_hint = tokens.idToken;
      return client.buildEndSessionUrl(cfg, params).href;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'OIDC end-session URL unavailable; signed out locally only');
      return undefined;
    }
  };
}

/**
 * Back-channel logout: a logout token verified with `jose` against the provider's JWKS (cached per JWKS URI)
 * ends the sessions it names by `sid` or `sub`; returns how many.
 */
export function createBackchannelLogout(deps: { config: Pick<Config, 'oidcClientId'>; store: Pick<Store, 'db'>; configuration: OidcConfiguration; now: () => number }) {
  const { config, store, configuration } = deps;
  let jwks: { uri: string; getKey: JWTVerifyGetKey } | undefined;
  return async function backchannelLogout(logoutToken: unknown): Promise<number> {
    if (typeof logoutToken !== 'string' || logoutToken.length > 10_000) throw oidcFailed('logout_token is missing');
    const cfg = await configuration();
    const md = cfg.serverMetadata();
    if (!md.jwks_uri) throw oidcFailed('the provider publishes no JWKS');
    if (jwks?.uri !== md.jwks_uri) jwks = { uri: md.jwks_uri, getKey: createRemoteJWKSet(new URL(md.jwks_uri)) };
    let payload;
    try {
      const verified = await jwtVerify(logoutToken, jwks.getKey, {
        issuer: md.issuer,
        audience: config.oidcClientId!,
        algorithms: ASYMMETRIC_ALGS,
        requiredClaims: ['iat', 'jti', 'exp'],
        maxTokenAge: '10 minutes',
      });
      const typ = verified.protectedHeader.typ?.toLowerCase();
      if (typ !== undefined && !['logout+jwt', 'application/logout+jwt', 'jwt'].includes(typ)) throw new Error(`unexpected typ ${typ}`);
      payload = verified.payload;
    } catch (err) {
      throw oidcFailed(`logout_token rejected: ${(err as Error).message}`);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events !== 'object' || typeof events[BACKCHANNEL_EVENT] !== 'object' || events[BACKCHANNEL_EVENT] === null) throw oidcFailed('logout_token has no back-channel logout event');
    if ('nonce' in payload) throw oidcFailed('logout_token must not contain a nonce');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    if (!sid && !sub) throw oidcFailed('logout_token names neither sid nor sub');
    const ended = sid ? await endSessionsByOidcSid(store.db, sid) : await endSessionsByOidcSub(store.db, sub!);
    await recordAudit(store.db, { action: 'auth.backchannel_logout', details: { sessions: ended, by: sid ? 'sid' : 'sub' }, at: deps.now() });
    return ended;
  };
}
