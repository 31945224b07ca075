/**
 * Local credentials: email + password sign-in (argon2id, throttled, no account enumeration), password change,
 * re-authentication for sensitive changes, and the emailed single-use links that set a password (forgot
 * password, and new credentials issued by an admin). Routes call these; they never touch the tables directly.
 */
import { AppError, invalidField } from '../common/index.js';
import type { Config } from '../config/index.js';
import type { GatewayDeps } from '../deps.js';
import { processEmailOutbox, queueEmail } from '../mail/index.js';
import { recipientLocale } from '../i18n/index.js';
import type { Account } from '../store/index.js';
import { accountRows as accounts } from '../accounts/index.js';
import { normaliseEmail } from '../accounts/index.js';
import { recordAudit } from '../accounts/index.js';
import { runInBackground } from './background.js';
import { consumeToken, expireAccountTokens, issueToken, peekToken, type TokenPurpose } from '../accounts/index.js';
import { deviceCookiesFor } from './device-cookie.js';
import { hashPassword, passwordProblem, verifyPassword } from '../accounts/index.js';
import { purgeNowAndThen } from './purge.js';
import { secondFactorStep, type SecondFactorStep } from './second-factor.js';
import { endAccountSessions, openSession, updateSession, type OpenedSession, type SessionWithAccount } from './sessions.js';
import { attemptSucceeded, countAttempt, throttleKeys, waitText } from './throttle.js';
import { sha256 } from '../common/tokens.js';

/** Who is asking: for throttling, the session row and the audit log. */
export interface RequestOrigin {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** Passwords longer than this are refused before hashing (argon2 on megabytes is a denial of service). */
const MAX_PASSWORD_LENGTH = 1000;

export type PasswordSignIn =
  | { kind: 'ok'; opened: OpenedSession; account: Account; next: SecondFactorStep }
  | { kind: 'invalid' }
  | { kind: 'throttled'; retryAfterSeconds: number };

export function throttledError(retryAfterSeconds: number): AppError {
  return new AppError('auth.throttled', `Too many sign-in attempts. Wait ${waitText(retryAfterSeconds)} and try again, or reset your password.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

function limitsOf(config: Config) {
  return { perAccount: config.loginMaxPerAccount, perIp: config.loginMaxPerIp };
}

/**
 * Checks an email and password. An unknown email does the same argon2 work as a wrong password and gets the
 * same answer; both count against the throttle. On success a new session is opened (the browser's previous
 * one, if any, is deleted), pending two-factor when the account has it or it is mandatory.
 */
export async function signInWithPassword(
  deps: GatewayDeps,
  input: { email: unknown; password: unknown; previousCookie?: string | null; deviceCookie?: string } & RequestOrigin,
): Promise<PasswordSignIn> {
  const { db } = deps.store;
  const now = deps.now();
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase().slice(0, 254) : '';
  const password = typeof input.password === 'string' ? input.password : '';
  // A browser that signed in as this email before counts on its own: guesses elsewhere do not lock it out.
  const keys = throttleKeys('signin', email, input.ip ?? undefined, deviceCookiesFor(deps.config).deviceFor(input.deviceCookie, email));
  const verdict = await countAttempt(db, keys, limitsOf(deps.config), now);
  if (!verdict.allowed) return { kind: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };

  const account = normaliseEmail(email) ? await accounts.findAccountByEmail(db, email) : undefined;
  const passwordOk = password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(account?.password_hash ?? null, password));
  if (!account || !passwordOk || account.disabled_at !== null) {
    await recordAudit(db, { action: 'auth.sign_in_failed', actorAccountId: account?.id ?? null, partnerId: account?.partner_id ?? null, ip: input.ip, requestId: input.requestId, at: now });
    return { kind: 'invalid' };
  }
  await attemptSucceeded(db, keys);
  purgeNowAndThen(deps);
  const next = secondFactorStep(deps.config, account);
  const opened = await openSession(db, deps.sessionPolicy, {
    accountId: account.id,
    method: 'password',
    ip: input.ip,
    userAgent: input.userAgent,
    previousCookie: input.previousCookie,
    now,
    totpPending: next !== 'done',
  });
  await recordAudit(db, { action: 'auth.sign_in', actorAccountId: account.id, partnerId: account.partner_id, details: { method: 'password' }, ip: input.ip, requestId: input.requestId, at: now });
  return { kind: 'ok', opened, account, next };
}

/**
 * Re-authentication for a sensitive change (PayPal email): checks the signed-in account's password and
 * records `sessions.reauth_at`. Wrong passwords count against the account's sign-in throttle.
 * @returns true when the password was right
 */
export async function confirmPassword(deps: GatewayDeps, input: { session: SessionWithAccount; password: unknown } & RequestOrigin): Promise<boolean> {
  const { db } = deps.store;
  const now = deps.now();
  const keys = throttleKeys('signin', input.session.email, input.ip ?? undefined);
  const verdict = await countAttempt(db, keys, limitsOf(deps.config), now);
  if (!verdict.allowed) throw throttledError(verdict.retryAfterSeconds);
  const account = await accounts.findAccountById(db, input.session.account_id);
  const password = typeof input.password === 'string' && input.password.length <= MAX_PASSWORD_LENGTH ? input.password : '';
  if (!(await verifyPassword(account?.password_hash ?? null, password))) {
    await recordAudit(db, { action: 'auth.reauth_failed', actorAccountId: input.session.account_id, partnerId: input.session.partner_id, ip: input.ip, requestId: input.requestId, at: now });
    return false;
  }
  await attemptSucceeded(db, keys);
  await updateSession(db, input.session.id_hash, { reauth_at: now });
  input.session.reauth_at = now;
  return true;
}

/**
 * Changes the signed-in account's password: the current one is required; every other session of the account
 * ends and this browser gets a new session id.
 * @throws AppError `request.invalid_field` (field current_password / new_password), `auth.throttled`
 */
export async function changePassword(
  deps: GatewayDeps,
  input: { session: SessionWithAccount; sessionCookie: string; currentPassword: unknown; newPassword: unknown; newPasswordConfirm?: unknown } & RequestOrigin,
): Promise<OpenedSession> {
  const { db } = deps.store;
  const newPassword = typeof input.newPassword === 'string' ? input.newPassword : '';
  const problem = passwordProblem(newPassword);
  if (problem) throw invalidField('new_password', problem);
  if (input.newPasswordConfirm !== undefined && input.newPasswordConfirm !== newPassword) throw invalidField('new_password_confirm', 'does not match the new password');
  if (!(await confirmPassword(deps, { session: input.session, password: input.currentPassword, ip: input.ip, requestId: input.requestId }))) {
    throw invalidField('current_password', 'is not your current password');
  }
  const hash = await hashPassword(newPassword);
  const now = deps.now();
  const s = input.session;
  await db.transaction().execute(async (trx) => {
    await accounts.updateAccount(trx, s.account_id, { password_hash: hash, password_changed_at: now });
    await endAccountSessions(trx, s.account_id, s.id_hash);
    await expireAccountTokens(trx, s.account_id, 'reset_password', now);
    await recordAudit(trx, { action: 'auth.password_changed', actorAccountId: s.account_id, partnerId: s.partner_id, ip: input.ip, requestId: input.requestId, at: now });
  });
  return openSession(db, deps.sessionPolicy, {
    accountId: s.account_id,
    method: s.auth_method,
    ip: input.ip,
    userAgent: input.userAgent,
    previousCookie: input.sessionCookie,
    now,
    oidc: { sid: s.oidc_sid, sub: s.oidc_sub, tokensJson: s.oidc_tokens_json },
  });
}

export function resetPasswordLinkFor(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/sso/reset?token=${encodeURIComponent(token)}`;
}

/**
 * "Forgot password": answers the same whatever the email. The look-up, the token and the email happen after
 * the reply (in the background), so the timing says nothing either. Requests are throttled per email and IP.
 * @throws AppError `auth.throttled` when this IP or this email asked too often
 */
export async function requestPasswordReset(deps: GatewayDeps, input: { email: unknown } & RequestOrigin): Promise<void> {
  const { db } = deps.store;
  const email = normaliseEmail(input.email);
  if (!email) throw invalidField('email', 'enter the email address you sign in with');
  const verdict = await countAttempt(db, throttleKeys('reset', email, input.ip ?? undefined), { perAccount: 3, perIp: deps.config.loginMaxPerIp }, deps.now());
  if (!verdict.allowed) {
    throw new AppError('auth.throttled', `Too many reset requests. Wait ${waitText(verdict.retryAfterSeconds)} and try again.`, { headers: { 'Retry-After': String(verdict.retryAfterSeconds) } });
  }
  runInBackground(deps.logger, 'password reset email', async () => {
    const now = deps.now();
    const account = await accounts.findAccountByEmail(db, email);
    if (!account || account.disabled_at !== null) return;
    await db.transaction().execute(async (trx) => {
      await expireAccountTokens(trx, account.id, 'reset_password', now);
      const token = await issueToken(trx, { purpose: 'reset_password', accountId: account.id, ttlMs: deps.config.tokenTtlMinutes * 60_000, now });
      await queueEmail(
        trx,
        deps.config.dataKeys,
        {
          idempotencyKey: `password-reset:${token.id}`,
          to: account.email,
          template: 'password-reset',
          params: { locale: recipientLocale(await accounts.findPartnerLocale(trx, account.partner_id)), resetUrl: resetPasswordLinkFor(deps.config, token.raw), expiresMinutes: deps.config.tokenTtlMinutes },
        },
        now,
      );
      await recordAudit(trx, { action: 'auth.password_reset_requested', actorAccountId: account.id, partnerId: account.partner_id, ip: input.ip, requestId: input.requestId, at: now });
    });
    await processEmailOutbox({ db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger: deps.logger }, { now: deps.now });
  });
}

const tokenInvalid = () =>
  new AppError('auth.token_invalid', 'This link has expired or was already used. Ask for a new one from the "Forgot your password?" page.');

/** Whether a reset or set-password link can still be used (for showing its form). */
export async function passwordTokenUsable(deps: GatewayDeps, raw: unknown, purpose: Extract<TokenPurpose, 'reset_password' | 'set_password'>): Promise<boolean> {
  return (await peekToken(deps.store.db, raw, purpose, deps.now())) !== undefined;
}

/**
 * Sets the password from a reset or set-password link. The token is used inside the transaction that changes
 * the password (row check on `used_at`), so it works once; every session of the account ends.
 * @throws AppError `auth.token_invalid`, `request.invalid_field` (new_password)
 */
export async function setPasswordWithToken(
  deps: GatewayDeps,
  input: { token: unknown; purpose: Extract<TokenPurpose, 'reset_password' | 'set_password'>; newPassword: unknown; newPasswordConfirm?: unknown } & RequestOrigin,
): Promise<Account> {
  const { db, kind } = deps.store;
  // Cheap check first: an invalid link never costs an argon2 hash.
  if (!(await passwordTokenUsable(deps, input.token, input.purpose))) throw tokenInvalid();
  const newPassword = typeof input.newPassword === 'string' ? input.newPassword : '';
  const problem = passwordProblem(newPassword);
  if (problem) throw invalidField('new_password', problem);
  if (input.newPasswordConfirm !== undefined && input.newPasswordConfirm !== newPassword) throw invalidField('new_password_confirm', 'does not match the new password');
  const hash = await hashPassword(newPassword);
  const now = deps.now();
  return db.transaction().execute(async (trx) => {
    const token = await consumeToken(trx, kind, input.token, input.purpose, now);
    if (!token || token.account_id === null) throw tokenInvalid();
    const account = await accounts.findAccountById(trx, token.account_id);
    if (!account || account.disabled_at !== null) throw tokenInvalid();
    await accounts.updateAccount(trx, account.id, { password_hash: hash, password_changed_at: now });
    await expireAccountTokens(trx, account.id, 'reset_password', now);
    await expireAccountTokens(trx, account.id, 'set_password', now);
    await endAccountSessions(trx, account.id);
    await recordAudit(trx, { action: input.purpose === 'reset_password' ? 'auth.password_reset' : 'auth.password_set', actorAccountId: account.id, partnerId: account.partner_id, ip: input.ip, requestId: input.requestId, details: { token: sha256(String(input.token)).slice(0, 8) }, at: now });
    return account;
  });
}
