/**
 * The one rule every sign-in path (password, WordPress hand-off, OpenID Connect) follows for the second factor:
 * an account with TOTP on, or any account when `PARTNERGATE_TOTP_REQUIRED` is set, gets a session that waits for
 * the code (or for enrolment) and reaches nothing else until then. The OpenID Provider's own multi-factor sign-in
 * counts only when the deployer listed the `amr`/`acr` values that say so (`PARTNERGATE_OIDC_MFA_CLAIMS`).
 */
import type { Config } from '../config/index.js';
import type { Account } from '../store/index.js';
import { redirectPolicyFor, safeRedirect } from './redirects.js';

export type SecondFactorStep = 'done' | 'totp' | 'totp_setup';

/**
 * Whether the account must have TOTP: every account under `PARTNERGATE_TOTP_REQUIRED`, and administrators always
 * (an admin session reaches every partner's payout data, so a password alone is not enough).
 */
export function totpRequiredFor(config: Pick<Config, 'totpRequired'>, account: Pick<Account, 'role'>): boolean {
  return config.totpRequired || account.role === 'admin';
}

/** What the new session still needs after the first factor: the code, enrolment, or nothing. */
export function secondFactorStep(config: Pick<Config, 'totpRequired'>, account: Pick<Account, 'totp_enabled' | 'role'>, providerMfa = false): SecondFactorStep {
  if (providerMfa) return 'done';
  if (account.totp_enabled) return 'totp';
  return totpRequiredFor(config, account) ? 'totp_setup' : 'done';
}

/**
 * Whether the ID token says the provider itself checked a second factor, by a value the deployer trusts:
 * `amr:<value>` matches one of the token's `amr` entries, `acr:<value>` its `acr`. An empty list trusts nothing.
 */
export function providerMfaSatisfied(trusted: readonly string[], claims: { amr?: unknown; acr?: unknown }): boolean {
  if (trusted.length === 0) return false;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  return trusted.some((t) => (t.startsWith('amr:') ? amr.includes(t.slice(4)) : t.startsWith('acr:') ? acr === t.slice(4) : false));
}

/** Where the browser goes once the first factor is accepted. */
export function afterFirstFactor(config: Parameters<typeof redirectPolicyFor>[0], step: SecondFactorStep, rd: string | undefined): string {
  const back = encodeURIComponent(rd ?? '');
  if (step === 'totp') return `/sso/two-factor?rd=${back}`;
  if (step === 'totp_setup') return `/sso/two-factor/setup?rd=${back}`;
  return safeRedirect(rd, redirectPolicyFor(config));
}
