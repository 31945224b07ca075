/**
 * OpenID Connect relying party (openid-client v6): discovery, authorization code with PKCE (S256), state,
 * nonce and code verifier sealed (AES-256-GCM, data key) into the browser's short-lived HttpOnly cookie, so
 * starting a sign-in writes nothing to the store, refresh, RP-initiated logout and back-channel logout (logout token
 * verified with `jose` against the provider's JWKS). Discovery happens on first use and is retried after a
 * failure, so a provider that is down does not stop the gateway from starting.
 */
import * as client from 'openid-client';
import type { GatewayDeps } from '../deps.js';
import type { Account } from '../store/index.js';
import { recordAudit } from '../accounts/index.js';
import type { RequestOrigin } from './credentials.js';
import { createOidcDiscovery } from './oidc-discovery.js';
import { createAccountLinker, createIdentityReader, oidcFailed, type OidcTokens } from './oidc-identity.js';
import { createBackchannelLogout, createEndSessionUrl } from './oidc-logout.js';
import { createPendingSignIns, OIDC_STATE_TTL_MS, type PendingSignIn } from './oidc-pending.js';
import { createTokenRefresher, type StoredTokens } from './oidc-tokens.js';
import { REFRESH_TOKEN_PURPOSE, secretBoxFor } from './secret-box.js';
import { providerMfaSatisfied, secondFactorStep, type SecondFactorStep } from './second-factor.js';
import { openSession, type OpenedSession, type SessionWithAccount } from './sessions.js';

export { OIDC_STATE_TTL_MS } from './oidc-pending.js';

/** The cookie holding the handle of the pending sign-in (`__Host-` on https). */
export function oidcCookieName(secure: boolean): string {
  return secure ? '__Host-pg_oidc' : 'pg_oidc';
}

export interface OidcService {
  readonly enabled: boolean;
  readonly providerName: string;
  /** @param origin the origin the browser uses (callbacks must come back to the host that set the cookie) */
  start(input: { rd?: string; reauth?: boolean; origin?: string }): Promise<{ url: string; handle: string }>;
  /** @param callbackPath the callback's path and query as received (`/sso/oidc/callback?code=...`) */
  finish(input: { handle: string | undefined; callbackPath: string; previousCookie?: string | null } & RequestOrigin): Promise<{ opened: OpenedSession; account: Account; rd?: string; next: SecondFactorStep }>;
  endSessionUrl(session: SessionWithAccount): Promise<string | undefined>;
  refreshIfDue(session: SessionWithAccount): Promise<boolean>;
  backchannelLogout(logoutToken: unknown): Promise<number>;
}

const MAX_RD_LENGTH = 2000;

/**
 * Wires the relying party from its parts, each made once: discovery (oidc-discovery.ts), the sealed pending
 * sign-in (oidc-pending.ts), identity and account linking (oidc-identity.ts), refresh (oidc-tokens.ts) and
 * logout (oidc-logout.ts). Start and finish, the sign-in itself, stay here. `createGateway` builds the one
 * service of a gateway (its discovery result and JWKS cache are shared by the routes and the access rules).
 */
export function createOidcService(deps: Pick<GatewayDeps, 'config' | 'store' | 'logger' | 'sessionPolicy' | 'now'>): OidcService {
  const { config, store, logger } = deps;
  const box = secretBoxFor(config);
  const providerName = config.oidcProviderName;
  const redirectUriFor = (origin?: string) => `${origin ?? config.publicUrl}/sso/oidc/callback`;
  const configuration = createOidcDiscovery(config, logger);
  const pendingSignIns = createPendingSignIns(box);
  const readIdentity = createIdentityReader(config);
  const accountFor = createAccountLinker(store, providerName);

  return {
    enabled: config.oidcEnabled,
    providerName,

    async start(input) {
      const cfg = await configuration();
      const pending: PendingSignIn = {
        redirectUri: redirectUriFor(input.origin),
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        // The whole pending sign-in rides in a cookie: an absurdly long rd is dropped (the default target is used).
        rd: input.rd !== undefined && input.rd.length <= MAX_RD_LENGTH ? input.rd : undefined,
        reauth: input.reauth || undefined,
      };
      const scopes = ['openid', 'email', 'profile'];
      if (cfg.serverMetadata().scopes_supported?.includes('offline_access')) scopes.push('offline_access');
      const params: Record<string, string> = {
        redirect_uri: pending.redirectUri,
        scope: scopes.join(' '),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      };
      if (input.reauth) {
        params.prompt = 'login';
        params.max_age = '60';
      }
      return { url: client.buildAuthorizationUrl(cfg, params).href, handle: pendingSignIns.seal(pending, deps.now()) };
    },

    async finish(input) {
      const now = deps.now();
      const notStartedHere = oidcFailed(`This sign-in was not started in this browser, was already used, or took longer than ${OIDC_STATE_TTL_MS / 60_000} minutes. Start again from the sign-in page.`);
      const pending = pendingSignIns.open(input.handle, now);
      if (!pending) throw notStartedHere;
      const cfg = await configuration();
      const currentUrl = new URL(input.callbackPath, pending.redirectUri);
      const idpError = currentUrl.searchParams.get('error');
      if (idpError) {
        throw oidcFailed(idpError === 'access_denied' ? `Signing in with ${providerName} was cancelled.` : `${providerName} refused the sign-in (${idpError.slice(0, 60)}). Try again.`);
      }
      let tokens: OidcTokens;
      try {
        tokens = await client.authorizationCodeGrant(cfg, currentUrl, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
          ...(pending.reauth ? { maxAge: 60 } : {}),
        });
      } catch (err) {
        logger.warn({ err: (err as Error).message, code: (err as { code?: string }).code }, 'OIDC callback refused');
        throw oidcFailed(`The answer from ${providerName} could not be verified, so you were not signed in. Start again from the sign-in page.`);
      }
      const identity = await readIdentity(cfg, tokens);
      const iss = cfg.serverMetadata().issuer;
      const account = await accountFor(iss, identity, now);
      const stored: StoredTokens = {
        idToken: tokens.id_token,
        refreshToken: tokens.refresh_token === undefined ? undefined : box.seal(tokens.refresh_token, REFRESH_TOKEN_PURPOSE),
        accessExpiresAt: tokens.expiresIn() !== undefined ? now + tokens.expiresIn()! * 1000 : undefined,
      };
      // The provider's own MFA counts only when its ID token says so in a way the deployer trusts.
      const next = secondFactorStep(config, account, providerMfaSatisfied(config.oidcMfaClaims, (tokens.claims() ?? {}) as { amr?: unknown; acr?: unknown }));
      const opened = await openSession(store.db, deps.sessionPolicy, {
        accountId: account.id,
        method: 'oidc',
        totpPending: next !== 'done',
        ip: input.ip,
        userAgent: input.userAgent,
        previousCookie: input.previousCookie,
        now,
        oidc: { sid: identity.sid ?? null, sub: identity.sub, tokensJson: JSON.stringify(stored) },
      });
      await recordAudit(store.db, { action: 'auth.sign_in', actorAccountId: account.id, partnerId: account.partner_id, details: { method: 'oidc', reauth: Boolean(pending.reauth) }, ip: input.ip, requestId: input.requestId, at: now });
      return { opened, account, rd: pending.rd, next };
    },

    endSessionUrl: createEndSessionUrl(config, logger, configuration),
    refreshIfDue: createTokenRefresher({ config, store, logger, box, configuration, now: deps.now }),
    backchannelLogout: createBackchannelLogout({ config, store, configuration, now: deps.now }),
  };
}
