/**
 * "Prove it is you" before a payout-sensitive change (docs: security cases, "payout hijack"): the current
 * password is required, except for an OIDC session that signed in (or re-authenticated at `/sso/confirm`) within
 * the last 5 minutes. The password itself is checked by the auth capability's `confirmPassword` (throttled,
 * audited, records `reauth_at`), passed in by the caller.
 */
import { AppError } from '../common/index.js';
import { DEFAULT_LOCALE, t } from '../i18n/index.js';
import type { SessionWithAccount } from '../auth/index.js';

export const FRESH_SIGN_IN_MS = 5 * 60_000;

/** Checks a password for the signed-in account; true when right. May throw `auth.throttled`. */
export type PasswordConfirmer = (session: SessionWithAccount, password: string) => Promise<boolean>;

export function freshOidcSignIn(session: Pick<SessionWithAccount, 'auth_method' | 'reauth_at'>, now: number): boolean {
  return session.auth_method === 'oidc' && now - session.reauth_at <= FRESH_SIGN_IN_MS;
}

/**
 * Passes when the session is a fresh OIDC sign-in or the password is right.
 * @throws AppError auth.reauth_required (field current_password), or auth.throttled from the confirmer
 */
export async function requireReauth(input: { locale?: string; session: SessionWithAccount; hasPassword: boolean; password: unknown; now: number; providerName: string; confirmPassword: PasswordConfirmer }): Promise<void> {
  const { session } = input;
  const locale = input.locale ?? DEFAULT_LOCALE;
  const password = typeof input.password === 'string' ? input.password : '';
  if (password === '' && freshOidcSignIn(session, input.now)) return;
  if (password === '') {
    if (!input.hasPassword) {
      throw new AppError('auth.reauth_required', t(locale, 'settings:errors.reauthOidc', { provider: input.providerName }), { field: 'current_password' });
    }
    throw new AppError('auth.reauth_required', t(locale, 'settings:errors.reauthMissing'), { field: 'current_password' });
  }
  if (!(await input.confirmPassword(session, password))) {
    throw new AppError('auth.reauth_required', t(locale, 'settings:errors.reauthWrong'), { field: 'current_password' });
  }
}
