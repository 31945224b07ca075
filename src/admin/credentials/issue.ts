/**
 * Issuing credentials: for each partner, an account (created when missing) and one "new credentials" email with
 * a single-use set-password link, queued in the outbox under the key `credentials:account:<id>:v<n>`. Everything
 * for a batch of partners (accounts, tokens, outbox rows, and a migration's journal rows) commits in one
 * transaction, so a crash leaves each partner either fully done or untouched, and a re-run queues nothing twice.
 *
 * A partner that cannot be served (bad or shared email, inactive, revoked, already signing in) is reported with a
 * reason and the others go on. A dry run takes the same decisions inside a transaction that is rolled back.
 */
import type { Transaction } from 'kysely';
import { findEmail, queueEmail } from '../../mail/index.js';
import type { Database } from '../../store/index.js';
import * as repo from './credentials.repo.js';
import { normaliseEmail } from './emails.js';
import { issueSetPasswordToken, partnerCenterOrigin, setPasswordLinkFor } from './set-password.js';
import {
  CREDENTIALS_TEMPLATE, RunAborted, credentialsEmailKey, type CredentialRow, type CredentialsDeps, type EmailVariant, type ItemJournal,
} from './types.js';

export interface IssueOptions {
  dryRun?: boolean;
  /** Partners per transaction (default 200). */
  batchSize?: number;
  variant?: EmailVariant;
  journal?: ItemJournal;
  onProgress?: (done: number, total: number) => void;
}

export interface IssueResult {
  rows: CredentialRow[];
  /** Partners skipped because the journal says an earlier run did them. */
  resumed: number;
  dryRun: boolean;
}

/** Rolls a dry-run transaction back after its decisions were taken. */
class DryRunRollback extends Error {}

export const partnerItemKey = (partnerId: number) => `partner:${partnerId}`;

interface BatchContext {
  deps: CredentialsDeps;
  now: number;
  ttlMs: number;
  variant: EmailVariant;
  /** Lower-cased email -> partners (among those being given a new account) that share it. */
  sharedEmails: Map<string, number[]>;
}

/** Queues the credentials email of an account under `key`, with a fresh token (issuing it voids older links). */
export async function queueCredentialsEmail(
  trx: Transaction<Database>,
  ctx: Pick<BatchContext, 'deps' | 'now' | 'ttlMs' | 'variant'>,
  input: { accountId: number; to: string; key: string; firstName: string; lastName: string },
): Promise<void> {
  const token = await issueSetPasswordToken(trx, input.accountId, ctx.ttlMs, ctx.now);
  const origin = partnerCenterOrigin(ctx.deps.config);
  await queueEmail(
    trx,
    {
      idempotencyKey: input.key,
      to: input.to,
      template: CREDENTIALS_TEMPLATE,
      params: {
        firstName: input.firstName || null,
        fullName: `${input.firstName} ${input.lastName}`.trim() || null,
        email: input.to,
        setPasswordUrl: setPasswordLinkFor(ctx.deps.config, token),
        signInUrl: `${origin}/sso/sign-in`,
        partnerCenterUrl: `${origin}/partner-center/`,
        expiresAt: ctx.now + ctx.ttlMs,
        validDays: Math.round((ctx.ttlMs / 86_400_000) * 10) / 10,
        legacyUrl: ctx.variant.legacyUrl ?? null,
        moved: Boolean(ctx.variant.legacyUrl),
      },
    },
    ctx.now,
  );
}

async function issueOne(trx: Transaction<Database>, row: repo.PartnerCredentialRow, owners: Map<string, { id: number; partner_id: number | null }>, ctx: BatchContext): Promise<CredentialRow> {
  const base = { partnerId: row.partner_id, email: row.account_email ?? row.contact_email };
  if (row.partner_status !== 'active') return { ...base, outcome: 'skipped', reason: 'partner is inactive in Ontraport' };
  if (row.disabled_at !== null) return { ...base, accountId: row.account_id!, outcome: 'skipped', reason: 'account revoked; `credentials resend --reinstate` gives access back' };

  let accountId = row.account_id;
  let to = row.account_email;
  let created = false;
  if (accountId === null || to === null) {
    const check = normaliseEmail(row.contact_email);
    if (!check.ok) return { ...base, outcome: 'failed', reason: check.reason };
    const sharers = ctx.sharedEmails.get(check.email) ?? [];
    if (sharers.length > 1) {
      const others = sharers.filter((id) => id !== row.partner_id).join(', ');
      return { ...base, email: check.email, outcome: 'failed', reason: `email ${check.email} is shared with partner ${others}: give each partner their own address in Ontraport` };
    }
    const owner = owners.get(check.email);
    if (owner && owner.partner_id !== row.partner_id) {
      const who = owner.partner_id === null ? 'an administrator account' : `the account of partner ${owner.partner_id}`;
      return { ...base, email: check.email, outcome: 'failed', reason: `email ${check.email} already belongs to ${who}` };
    }
    accountId = await repo.insertPartnerAccount(trx, { partnerId: row.partner_id, email: check.email, now: ctx.now });
    owners.set(check.email, { id: accountId, partner_id: row.partner_id });
    to = check.email;
    created = true;
  }
  const version = row.credentials_version ?? 1;
  const key = credentialsEmailKey(accountId, version);
  const existing = await findEmail(trx, key);
  const names = { firstName: row.first_name, lastName: row.last_name };
  const done = { ...base, email: to, accountId, accountCreated: created };
  if (!existing) {
    if (!created && (row.has_password || row.oidc_subject)) {
      return { ...done, outcome: 'skipped', reason: 'already signs in (password or company account); `credentials resend` sends a new link anyway' };
    }
    await queueCredentialsEmail(trx, ctx, { accountId, to, key, ...names });
    return { ...done, outcome: 'queued' };
  }
  if (existing.status === 'sent') return { ...done, outcome: 'already_sent' };
  if (existing.status === 'queued' || existing.status === 'sending') return { ...done, outcome: 'pending' };
  if (/^interrupted/.test(existing.last_error ?? '')) {
    return { ...done, outcome: 'failed', reason: `the earlier email was interrupted while sending and may have arrived; \`credentials resend --partner ${row.partner_id}\` sends a fresh link` };
  }
  // Refused by the SMTP server: it never arrived, so a fresh link under the next version is not a duplicate.
  const next = await repo.bumpCredentialsVersion(trx, accountId);
  await queueCredentialsEmail(trx, ctx, { accountId, to, key: credentialsEmailKey(accountId, next), ...names });
  return { ...done, outcome: 'requeued', reason: `earlier email refused: ${(existing.last_error ?? 'unknown error').slice(0, 200)}` };
}

async function runBatch(ids: number[], rowsById: Map<number, repo.PartnerCredentialRow>, ctx: BatchContext, opts: IssueOptions): Promise<CredentialRow[]> {
  const { db } = ctx.deps;
  const out: CredentialRow[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      const emails = ids.map((id) => normaliseEmail(rowsById.get(id)?.contact_email)).flatMap((c) => (c.ok ? [c.email] : []));
      const owners = new Map((await repo.accountsByEmail(trx, emails)).map((a) => [a.email, a]));
      for (const id of ids) {
        const row = rowsById.get(id);
        const result: CredentialRow = row ? await issueOne(trx, row, owners, ctx) : { partnerId: id, email: null, outcome: 'failed', reason: `partner ${id} not found` };
        if (opts.journal && !opts.dryRun) await opts.journal.record(trx, partnerItemKey(id), result);
        out.push(result);
      }
      if (opts.dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return out;
    throw err;
  }
  await opts.journal?.afterCommit?.();
  return out;
}

/**
 * Gives each partner in `partnerIds` an account and queues their credentials email (not sent: see
 * `sendCredentialEmails`). Per-partner problems are rows in the result, never exceptions.
 */
export async function issueCredentials(deps: CredentialsDeps, partnerIds: readonly number[], opts: IssueOptions = {}): Promise<IssueResult> {
  const now = (deps.now ?? Date.now)();
  const ctx: BatchContext = { deps, now, ttlMs: deps.config.credentialTtlHours * 3_600_000, variant: opts.variant ?? {}, sharedEmails: new Map() };
  const unique = [...new Set(partnerIds)];
  const todo = opts.journal ? unique.filter((id) => !opts.journal!.isDone(partnerItemKey(id))) : unique;
  const resumed = unique.length - todo.length;

  // Shared emails are judged over the whole selection, done or not, so a resumed run decides as an uninterrupted one.
  const rows = await repo.loadPartnerCredentialRows(deps.db, unique);
  const rowsById = new Map(rows.map((r) => [r.partner_id, r]));
  for (const r of rows) {
    if (r.account_id !== null) continue;
    const check = normaliseEmail(r.contact_email);
    if (!check.ok) continue;
    const list = ctx.sharedEmails.get(check.email);
    if (list) list.push(r.partner_id);
    else ctx.sharedEmails.set(check.email, [r.partner_id]);
  }

  const results: CredentialRow[] = [];
  const size = opts.batchSize ?? 200;
  opts.onProgress?.(0, todo.length);
  for (const batch of repo.chunks(todo, size)) {
    let batchRows: CredentialRow[];
    try {
      batchRows = await runBatch(batch, rowsById, ctx, opts);
    } catch (err) {
      if (err instanceof RunAborted || batch.length === 1) throw err;
      // One bad row (e.g. a unique violation from a concurrent run) must not sink its batch: redo one by one.
      deps.logger.warn({ err: (err as Error).message, first: batch[0] }, 'credentials batch failed; retrying partner by partner');
      batchRows = [];
      for (const id of batch) {
        try {
          batchRows.push(...(await runBatch([id], rowsById, ctx, opts)));
        } catch (inner) {
          if (inner instanceof RunAborted) throw inner;
          batchRows.push({ partnerId: id, email: rowsById.get(id)?.contact_email ?? null, outcome: 'failed', reason: `store error: ${(inner as Error).message.slice(0, 200)}` });
        }
      }
    }
    results.push(...batchRows);
    opts.onProgress?.(results.length, todo.length);
  }
  return { rows: results, resumed, dryRun: Boolean(opts.dryRun) };
}
