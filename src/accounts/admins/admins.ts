/**
 * Administrator accounts outside the demo seed: create (with a password given on stdin or in a file, never argv),
 * invite (a single-use set-password link emailed through the outbox), list and disable. Each change is one
 * transaction with its audit row; a dry run takes the same decisions and rolls back. TOTP is not set here: the
 * sign-in code makes every administrator enrol at the first sign-in (`totpRequiredFor` in src/auth).
 */
import { AppError, DryRunRollback } from '../../common/index.js';
import { normaliseEmail } from '../email.js';
import { hashPassword, passwordProblem } from '../passwords.js';
import { queueEmails } from '../../mail/index.js';
import type { Account, Database, Transaction } from '../../store/index.js';
import { issueSetPasswordTokens, partnerCenterOrigin, setPasswordLinkFor } from '../credentials/set-password.js';
import type { CredentialsDeps } from '../credentials/types.js';
import { recordAudit } from '../audit.js';
import { expireTokensOf } from '../one-time-tokens.js';
import { deleteAccountSessions } from '../sessions.repo.js';
import * as repo from './admins.repo.js';

export { listAdmins, type AdminRow } from './admins.repo.js';

/**
 * The subject account goes in the audit details: `actor_account_id` names who acted, and the CLI is nobody's
 * session.
 */
function adminDetails(accountId: number, details: Record<string, unknown>): Record<string, unknown> {
  return { accountId, ...details };
}

export const ADMIN_INVITE_TEMPLATE = 'admin-invite';
/** Outbox keys of invitations (the outbox clears a row's parameters, link included, once it is sent). */
export const ADMIN_INVITE_KEY_PREFIX = 'admin-invite:account:';

export interface AdminChange {
  accountId: number | null;
  email: string;
  outcome: 'created' | 'invited' | 'disabled' | 'already_disabled';
  dryRun: boolean;
  sessionsEnded?: number;
}

type Deps = Pick<CredentialsDeps, 'db' | 'config' | 'now'>;


function emailOf(raw: string): string {
  const email = normaliseEmail(raw);
  if (!email) throw new AppError('request.invalid_field', `email: ${JSON.stringify(raw)} is not an email address`, { field: 'email' });
  return email;
}

function taken(account: Account): AppError {
  const who = account.role === 'admin' ? 'an administrator' : `the account of partner ${account.partner_id ?? '?'}`;
  return new AppError('request.invalid_field', `email: ${account.email} already belongs to ${who}`, { field: 'email' });
}

/** Runs `fn` in a transaction that is rolled back on a dry run (the decisions and their errors are the same). */
async function inTransaction<T>(deps: Deps, dryRun: boolean, fn: (trx: Transaction<Database>, now: number) => Promise<T>): Promise<T> {
  const now = (deps.now ?? Date.now)();
  let result: T | undefined;
  try {
    await deps.db.transaction().execute(async (trx) => {
      result = await fn(trx, now);
      if (dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return result as T;
}

export async function createAdmin(deps: Deps, input: { email: string; password: string; dryRun?: boolean }): Promise<AdminChange> {
  const email = emailOf(input.email);
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('request.invalid_field', `password: ${problem}`, { field: 'password' });
  const hash = await hashPassword(input.password);
  const dryRun = Boolean(input.dryRun);
  return inTransaction(deps, dryRun, async (trx, now) => {
    const existing = await repo.findAccountByEmail(trx, email);
    if (existing) throw taken(existing);
    const accountId = await repo.insertAdminAccount(trx, { email, passwordHash: hash, now });
    await recordAudit(trx, { action: 'admin.created', details: adminDetails(accountId, { email, by: 'cli' }), at: now });
    return { accountId: dryRun ? null : accountId, email, outcome: 'created', dryRun };
  });
}

/**
 * Creates the administrator without a password (or takes the one an earlier invitation created and that was never
 * used) and queues an email with a fresh set-password link; earlier links of the account stop working.
 */
export async function inviteAdmin(deps: Deps, input: { email: string; dryRun?: boolean }): Promise<AdminChange> {
  const email = emailOf(input.email);
  const dryRun = Boolean(input.dryRun);
  const ttlMs = deps.config.credentialTtlHours * 3_600_000;
  return inTransaction(deps, dryRun, async (trx, now) => {
    const existing = await repo.findAccountByEmail(trx, email);
    if (existing && (existing.role !== 'admin' || existing.password_hash !== null || existing.oidc_subject !== null || existing.disabled_at !== null)) throw taken(existing);
    const accountId = existing?.id ?? (await repo.insertAdminAccount(trx, { email, passwordHash: null, now }));
    const token = (await issueSetPasswordTokens(trx, [accountId], ttlMs, now)).get(accountId)!;
    const origin = partnerCenterOrigin(deps.config);
    await queueEmails(trx, deps.config.dataKeys, [{
      idempotencyKey: `${ADMIN_INVITE_KEY_PREFIX}${accountId}:${now}`,
      to: email,
      template: ADMIN_INVITE_TEMPLATE,
      params: { email, setPasswordUrl: setPasswordLinkFor(deps.config, token), signInUrl: `${origin}/sso/sign-in`, validDays: Math.round((ttlMs / 86_400_000) * 10) / 10 },
    }], now);
    await recordAudit(trx, { action: 'admin.invited', details: adminDetails(accountId, { email, by: 'cli', created: !existing }), at: now });
    return { accountId: dryRun && !existing ? null : accountId, email, outcome: 'invited', dryRun };
  });
}

/** Disables an administrator: sign-in refused, unused links voided, every session ended at once. */
export async function disableAdmin(deps: Deps, input: { email: string; dryRun?: boolean }): Promise<AdminChange> {
  const email = emailOf(input.email);
  const dryRun = Boolean(input.dryRun);
  return inTransaction(deps, dryRun, async (trx, now) => {
    const account = await repo.findAccountByEmail(trx, email);
    if (!account || account.role !== 'admin') throw new AppError('request.invalid_field', `email: no administrator ${email}`, { field: 'email' });
    if (account.disabled_at !== null) return { accountId: account.id, email, outcome: 'already_disabled', dryRun };
    await repo.disableAccount(trx, account.id, now);
    const links = await expireTokensOf(trx, [account.id], now);
    const sessionsEnded = await deleteAccountSessions(trx, account.id);
    await recordAudit(trx, { action: 'admin.disabled', details: adminDetails(account.id, { email, links, sessions: sessionsEnded, by: 'cli' }), at: now });
    return { accountId: account.id, email, outcome: 'disabled', dryRun, sessionsEnded };
  });
}
