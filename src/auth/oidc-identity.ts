import * as client from 'openid-client';
import { AppError } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { Account, Store } from '../store/index.js';
import { accountRows as accounts, normaliseEmail, resolveAccountForEmail } from '../accounts/index.js';

export type OidcTokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
export interface OidcIdentity {
  sub: string;
  sid?: string;
  email: string;
}

export const oidcFailed = (message: string) => new AppError('auth.oidc_failed', message);

/** Who the provider says signed in: subject, session id and a verified email (from the ID token or userinfo). */
export function createIdentityReader(config: Pick<Config, 'oidcEmailClaim' | 'oidcProviderName'>) {
  const providerName = config.oidcProviderName;
  return async function readIdentity(cfg: client.Configuration, tokens: OidcTokens): Promise<OidcIdentity> {
    const claims = tokens.claims();
    if (!claims) throw oidcFailed(`${providerName} did not send an ID token.`);
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
  };
}

/**
 * The partner account of a provider identity: the one linked to `issuer#sub`, or else the one account with that
 * email, which is then linked. An account linked to another subject is refused.
 */
export function createAccountLinker(store: Pick<Store, 'db'>, providerName: string) {
  return async function accountFor(iss: string, identity: { sub: string; email: string }, now: number): Promise<Account> {
    const { db } = store;
    const key = `${iss}#${identity.sub}`;
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
  };
}
