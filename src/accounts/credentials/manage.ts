/**
 * Resending and revoking credentials, and sending what is queued.
 * - `resendCredentials`: an explicit admin action: every earlier link of the account stops working and a fresh
 *   one is queued under the next version of the outbox key (so it is sent even though one was sent before).
 * - `revokeCredentials`: disables the account, voids its links and ends its sessions.
 * - `sendCredentialEmails`: drains the outbox and names, per partner, each email the SMTP server refused; the
 *   raw set-password link is then removed from sent rows (only its hash stays, in one_time_tokens).
 */
import { DryRunRollback } from '../../common/index.js';
import type { Transaction } from 'kysely';
import { processEmailOutbox } from '../../mail/index.js';
import type { Database } from '../../store/index.js';
import { recordAudit } from '../audit.js';
import { expireAccountTokens } from '../one-time-tokens.js';
import { deleteAccountSessions } from '../sessions.repo.js';
import * as repo from './credentials.repo.js';
import { queueCredentialsEmails } from './issue.js';
import { RunAborted, accountIdOfKey, credentialsEmailKey, type CredentialRow, type CredentialsDeps, type EmailVariant } from './types.js';


export interface ResendOptions {
  dryRun?: boolean;
  /** Give a revoked account access back before sending. */
  reinstate?: boolean;
  variant?: EmailVariant;
  /** Who asked (for the audit log). */
  actor?: string;
}

async function perPartner(
  deps: CredentialsDeps,
  partnerIds: readonly number[],
  dryRun: boolean,
  act: (trx: Transaction<Database>, row: repo.PartnerCredentialRow, now: number) => Promise<CredentialRow>,
): Promise<CredentialRow[]> {
  const now = (deps.now ?? Date.now)();
  const unique = [...new Set(partnerIds)];
  const rowsById = new Map((await repo.loadPartnerCredentialRows(deps.db, unique)).map((r) => [r.partner_id, r]));
  const out: CredentialRow[] = [];
  for (const id of unique) {
    const row = rowsById.get(id);
    if (!row) {
      out.push({ partnerId: id, email: null, outcome: 'failed', reason: `partner ${id} not found` });
      continue;
    }
    try {
      await deps.db.transaction().execute(async (trx) => {
        out.push(await act(trx, row, now));
        if (dryRun) throw new DryRunRollback();
      });
    } catch (err) {
      if (err instanceof DryRunRollback) continue;
      if (err instanceof RunAborted) throw err;
      out.push({ partnerId: id, email: row.account_email, outcome: 'failed', reason: `store error: ${(err as Error).message.slice(0, 200)}` });
    }
  }
  return out;
}

export async function resendCredentials(deps: CredentialsDeps, partnerIds: readonly number[], opts: ResendOptions = {}): Promise<CredentialRow[]> {
  const ttlMs = deps.config.credentialTtlHours * 3_600_000;
  return perPartner(deps, partnerIds, Boolean(opts.dryRun), async (trx, row, now) => {
    const base = { partnerId: row.partner_id, email: row.account_email };
    if (row.account_id === null || row.account_email === null) {
      return { ...base, email: row.contact_email, outcome: 'failed', reason: 'no account yet: `credentials issue` creates it' };
    }
    if (row.disabled_at !== null) {
      if (!opts.reinstate) return { ...base, accountId: row.account_id, outcome: 'failed', reason: 'account revoked: add --reinstate to give access back' };
      await repo.setAccountDisabled(trx, row.account_id, null);
    }
    const version = await repo.bumpCredentialsVersion(trx, row.account_id);
    await queueCredentialsEmails(trx, { deps, now, ttlMs, variant: opts.variant ?? {} }, [
      { accountId: row.account_id, to: row.account_email, key: credentialsEmailKey(row.account_id, version), firstName: row.first_name, lastName: row.last_name },
    ]);
    await recordAudit(trx, { partnerId: row.partner_id, action: 'credentials.resent', details: { version, reinstated: row.disabled_at !== null, by: opts.actor ?? 'cli' }, at: now });
    return { ...base, accountId: row.account_id, outcome: 'queued' };
  });
}

export async function revokeCredentials(deps: CredentialsDeps, partnerIds: readonly number[], opts: { dryRun?: boolean; actor?: string } = {}): Promise<CredentialRow[]> {
  return perPartner(deps, partnerIds, Boolean(opts.dryRun), async (trx, row, now) => {
    const base = { partnerId: row.partner_id, email: row.account_email };
    if (row.account_id === null) return { ...base, outcome: 'skipped', reason: 'no account' };
    if (row.disabled_at !== null) return { ...base, accountId: row.account_id, outcome: 'skipped', reason: 'already revoked' };
    await repo.setAccountDisabled(trx, row.account_id, now);
    const links = await expireAccountTokens(trx, row.account_id, 'set_password', now);
    const sessions = await deleteAccountSessions(trx, row.account_id);
    await recordAudit(trx, { partnerId: row.partner_id, action: 'credentials.revoked', details: { links, sessions, by: opts.actor ?? 'cli' }, at: now });
    return { ...base, accountId: row.account_id, outcome: 'revoked' };
  });
}

export interface SendReport {
  sent: number;
  /** Refused or given up: per partner when the email was a credentials email. */
  failed: CredentialRow[];
  /** Temporary SMTP errors: retried later by `mail drain` or a re-run. */
  retrying: number;
  /** Left mid-send by a crash: not sent again automatically (it may have arrived). */
  interrupted: number;
  /**
   * Credentials emails still claimed by a worker that is gone (a run killed mid-send) or by another process:
   * reported now (outcome `pending`), flagged "interrupted" by the outbox ten minutes after the claim.
   */
  inFlight: CredentialRow[];
  /** Another process holds the drain lease and is sending them. */
  busy: boolean;
}

/**
 * Drains the outbox (every due email, over the transport's pooled connections) and reports the refused ones by
 * partner. It holds the drain lease while it runs: when another process is draining, it sends nothing and says
 * so (`busy`).
 */
export async function sendCredentialEmails(deps: CredentialsDeps, opts: { onSent?: (n: number) => void } = {}): Promise<SendReport> {
  const result = await processEmailOutbox(
    { db: deps.db, keys: deps.config.dataKeys, transport: deps.mail, views: deps.views, logger: deps.logger },
    { now: deps.now, onSent: opts.onSent, batch: deps.config.mailDrainBatch, lease: true },
  );
  const accountIds = result.failed.map((f) => accountIdOfKey(f.key)).filter((id): id is number => id !== undefined);
  const partnerOf = await repo.partnerIdsOfAccounts(deps.db, accountIds);
  const failed: CredentialRow[] = result.failed.map((f) => {
    const accountId = accountIdOfKey(f.key);
    return {
      partnerId: accountId === undefined ? null : (partnerOf.get(accountId) ?? null),
      source: accountId === undefined ? `email ${f.key}` : undefined,
      email: f.to,
      accountId,
      outcome: 'failed',
      reason: `SMTP refused: ${f.error.slice(0, 300)}`,
    };
  });
  const stuck = await repo.credentialEmailsInFlight(deps.db);
  const stuckPartner = await repo.partnerIdsOfAccounts(deps.db, stuck.map((s) => accountIdOfKey(s.idempotency_key)!).filter(Boolean));
  const inFlight: CredentialRow[] = stuck.map((s) => {
    const accountId = accountIdOfKey(s.idempotency_key);
    const partnerId = accountId === undefined ? null : (stuckPartner.get(accountId) ?? null);
    return {
      partnerId,
      email: s.to_address,
      accountId,
      outcome: 'pending',
      reason: `was being sent when a run stopped (or is being sent by another process): it may have arrived; ten minutes after, the outbox flags it interrupted, then \`credentials resend --partner ${partnerId ?? '?'}\` sends a fresh link`,
    };
  });
  return { sent: result.sent, failed, retrying: result.retrying, interrupted: result.interrupted, inFlight, busy: Boolean(result.busy) };
}
