/**
 * OpenID Connect relying party (openid-client v6): discovery, authorization code with PKCE (S256), state,
 * nonce and code verifier sealed (AES-256-GCM, data key) into the browser's short-lived HttpOnly cookie, so
 * starting a sign-in writes nothing to the store, refresh, RP-initiated logout and back-channel logout (logout token
 * verified with `jose` against the provider's JWKS). Discovery happens on first use and is retried after a
 * failure, so a provider that is down does not stop the gateway from starting.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import type { Account } from '../store/index.js';
import { accountRows as accounts } from '../accounts/index.js';
import { normaliseEmail, resolveAccountForEmail } from '../accounts/index.js';
import { recordAudit } from '../accounts/index.js';
import type { RequestOrigin } from './credentials.js';
import { isSealed, REFRESH_TOKEN_PURPOSE, secretBoxFor } from './secret-box.js';
import { providerMfaSatisfied, secondFactorStep, type SecondFactorStep } from './second-factor.js';
import { endSessionsByOidcSid, endSessionsByOidcSub, openSession, type OpenedSession, type SessionWithAccount } from './sessions.js';
import { deleteSession, replaceSessionTokens } from '../accounts/index.js';

/** How long a browser has between "Sign in with..." and coming back. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** The cookie holding the handle of the pending sign-in (`__Host-` on https). */
export function oidcCookieName(secure: boolean): string {
  return secure ? '__Host-pg_oidc' : 'pg_oidc';
}

interface PendingSignIn {
  /** The callback URL sent to the provider (the public URL's, or the partner center host's in situation 3). */
  redirectUri: string;
  state: string;
  nonce: string;
  verifier: string;
  rd?: string;
  reauth?: boolean;
}

/** What a session keeps from the provider (in `sessions.oidc_tokens_json`). */
interface StoredTokens {
  idToken?: string;
  /** Sealed with the data key (`secret-box.ts`). */
  refreshToken?: string;
  /** When the access token expires: the moment to check with the provider that the user is still allowed. */
  accessExpiresAt?: number;
  /** Set while one request refreshes, so instances sharing the session do not refresh it twice. */
  refreshingUntil?: number;
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

const failed = (message: string) => new AppError('auth.oidc_failed', message);

/** The pending sign-in as sealed into the `pg_oidc` cookie, with its expiry. */
type SealedPending = PendingSignIn & { exp: number };
const OIDC_STATE_PURPOSE = 'oidc-pending-sign-in';
const MAX_RD_LENGTH = 2000;

export function createOidcService(deps: GatewayDeps): OidcService {
  const { config, store, logger } = deps;
  const box = secretBoxFor(config);
  const providerName = config.oidcProviderName;
  let discovered: Promise<client.Configuration> | undefined;
  let jwks: { uri: string; getKey: JWTVerifyGetKey } | undefined;
  const redirectUriFor = (origin?: string) => `${origin ?? config.publicUrl}/sso/oidc/callback`;
  const subjectKey = (iss: string, sub: string) => `${iss}#${sub}`;

  /**
   * The pending sign-in of the browser's cookie, when it was sealed here and has not expired. Used once: the
   * callback clears the cookie, and the provider's authorization code it is exchanged with works once (PKCE-bound).
   */
  function openPending(handle: string | undefined, now: number): PendingSignIn | undefined {
    if (!handle || !isSealed(handle) || handle.length > 8192) return undefined;
    try {
      const { exp, ...pending } = JSON.parse(box.open(handle, OIDC_STATE_PURPOSE).value) as SealedPending;
      return typeof exp === 'number' && exp > now ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  function configuration(): Promise<client.Configuration> {
    if (!config.oidcEnabled) return Promise.reject(new AppError('not_found', 'Single sign-on is not configured.'));
    discovered ??= client
      .discovery(
        new URL(config.oidcIssuer!),
        config.oidcClientId!,
        undefined,
        config.oidcClientSecret ? client.ClientSecretBasic(config.oidcClientSecret) : client.None(),
        // Plain-http issuers only outside production (a local provider in development and tests).
        { execute: config.environment !== 'production' ? [client.allowInsecureRequests] : [] },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        logger.warn({ err: (err as Error).message }, 'OIDC discovery failed');
        throw new AppError('upstream.unavailable', `Signing in with ${providerName} is unavailable right now. Try again in a minute, or sign in with your email and password.`);
      });
    return discovered;
  }

  async function readIdentity(cfg: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<{ sub: string; sid?: string; email: string }> {
    const claims = tokens.claims();
    if (!claims) throw failed(`${providerName} did not send an ID token.`);
    const claimName = config.oidcEmailClaim;
    let value: unknown = claims[claimName];
    let verified: unknown = claims.email_verified;
    if (value === undefined) {
      const info = await client.fetchUserInfo(cfg, tokens.access_token, claims.sub);
      value = info[claimName];
      verified = info.email_verified;
    }
    // An unverified email proves nothing: anyone can type someone else's address at many providers.
    if (claimName === 'email' && verified !== true) throw new AppError('auth.forbidden', `Your ${providerName} account has no verified email address. Verify it there, then sign in again.`);
    const email = normaliseEmail(value);
    if (!email) throw new AppError('auth.forbidden', `Your ${providerName} account did not share an email address, so we cannot tell which partner you are.`);
    return { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, email };
  }

  async function accountFor(iss: string, identity: { sub: string; email: string }, now: number): Promise<Account> {
    const { db } = store;
    const key = subjectKey(iss, identity.sub);
    const linked = await accounts.findAccountByOidcSubject(db, key);
    if (linked) {
      if (linked.disabled_at !== null) throw new AppError('auth.forbidden', 'This partner account is disabled. Contact the program manager.');
      return linked;
    }
    const resolved = await resolveAccountForEmail(db, identity.email, now);
    switch (resolved.kind) {
      case 'ok':
        if (resolved.account.oidc_subject !== null && resolved.account.oidc_subject !== key) {
          throw new AppError('auth.forbidden', `The partner account for ${identity.email} is linked to a different ${providerName} account.`);
        }
        if (resolved.account.oidc_subject === null) await accounts.updateAccount(db, resolved.account.id, { oidc_subject: key });
        return { ...resolved.account, oidc_subject: key };
      case 'disabled':
        throw new AppError('auth.forbidden', 'This partner account is disabled. Contact the program manager.');
      case 'ambiguous':
        throw new AppError('auth.forbidden', `More than one partner uses ${identity.email}. Contact the program manager to sort it out.`);
      case 'unknown':
        throw new AppError('auth.forbidden', `No partner account uses ${identity.email}. Sign in with the account whose email is registered with the partner program, or contact the program manager.`);
    }
  }

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
      // Nothing is stored: the pending sign-in travels sealed in the browser's cookie, so any number of starts
      // costs the store nothing (a server-side row per start let anyone grow it without bound).
      const sealed: SealedPending = { ...pending, exp: deps.now() + OIDC_STATE_TTL_MS };
      return { url: client.buildAuthorizationUrl(cfg, params).href, handle: box.seal(JSON.stringify(sealed), OIDC_STATE_PURPOSE) };
    },

    async finish(input) {
      const now = deps.now();
      const notStartedHere = failed(`This sign-in was not started in this browser, was already used, or took longer than ${OIDC_STATE_TTL_MS / 60_000} minutes. Start again from the sign-in page.`);
      const pending = openPending(input.handle, now);
      if (!pending) throw notStartedHere;
      const cfg = await configuration();
      const currentUrl = new URL(input.callbackPath, pending.redirectUri);
      const idpError = currentUrl.searchParams.get('error');
      if (idpError) {
        throw failed(idpError === 'access_denied' ? `Signing in with ${providerName} was cancelled.` : `${providerName} refused the sign-in (${idpError.slice(0, 60)}). Try again.`);
      }
      let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
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
        throw failed(`The answer from ${providerName} could not be verified, so you were not signed in. Start again from the sign-in page.`);
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

    async endSessionUrl(session) {
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
    },

    async refreshIfDue(session) {
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
    },

    async backchannelLogout(logoutToken) {
      if (typeof logoutToken !== 'string' || logoutToken.length > 10_000) throw failed('logout_token is missing');
      const cfg = await configuration();
      const md = cfg.serverMetadata();
      if (!md.jwks_uri) throw failed('the provider publishes no JWKS');
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
        throw failed(`logout_token rejected: ${(err as Error).message}`);
      }
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || typeof events !== 'object' || typeof events[BACKCHANNEL_EVENT] !== 'object' || events[BACKCHANNEL_EVENT] === null) throw failed('logout_token has no back-channel logout event');
      if ('nonce' in payload) throw failed('logout_token must not contain a nonce');
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!sid && !sub) throw failed('logout_token names neither sid nor sub');
      const ended = sid ? await endSessionsByOidcSid(store.db, sid) : await endSessionsByOidcSub(store.db, sub!);
      await recordAudit(store.db, { action: 'auth.backchannel_logout', details: { sessions: ended, by: sid ? 'sid' : 'sub' }, at: deps.now() });
      return ended;
    },
  };
}

const services = new WeakMap<GatewayDeps, OidcService>();

/** One service per gateway (the discovery result and JWKS cache are shared by its routes and guards). */
export function oidcServiceFor(deps: GatewayDeps): OidcService {
  let s = services.get(deps);
  if (!s) services.set(deps, (s = createOidcService(deps)));
  return s;
}
