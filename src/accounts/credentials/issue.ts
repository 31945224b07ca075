/**
 * Issuing credentials: for each partner, an account (created when missing) and one "new credentials" email with
 * a single-use set-password link, queued in the outbox under the key `credentials:account:<id>:v<n>`. Everything
 * for a batch of partners (accounts, tokens, outbox rows, and a migration's journal rows) commits in one
 * transaction, so a crash leaves each partner either fully done or untouched, and a re-run queues nothing twice.
 *
 * A partner that cannot be served (bad or shared email, inactive, revoked, already signing in) is reported with a
 * reason and the others go on. A dry run takes the same decisions inside a transaction that is rolled back.
 */
import { DryRunRollback } from '../../common/index.js';
import type { Transaction } from 'kysely';
import { findEmails, queueEmails } from '../../mail/index.js';
import type { Database } from '../../store/index.js';
import * as repo from './credentials.repo.js';
import { checkEmail, SharedEmailTally } from '../email.js';
import { issueSetPasswordTokens, partnerCenterOrigin, setPasswordLinkFor } from './set-password.js';
import {
  CREDENTIALS_TEMPLATE, RunAborted, credentialsEmailKey, tally, type CredentialOutcome, type CredentialRow, type CredentialsDeps, type EmailVariant, type ItemJournal,
} from './types.js';

export interface IssueOptions {
  dryRun?: boolean;
  /** Partners per transaction (default 200). */
  batchSize?: number;
  variant?: EmailVariant;
  journal?: ItemJournal;
  onProgress?: (done: number, total: number) => void;
  /**
   * Which rows the result keeps (default: all). A migration over 100,000 partners keeps only the ones needing
   * attention; `counts` and `created` still count every row.
   */
  keep?: (row: CredentialRow) => boolean;
}

export interface IssueResult {
  rows: CredentialRow[];
  counts: Record<CredentialOutcome, number>;
  /** Accounts created by this call. */
  created: number;
  /** Partners skipped because the journal says an earlier run did them. */
  resumed: number;
  dryRun: boolean;
}

/** Rolls a dry-run transaction back after its decisions were taken. */

export const partnerItemKey = (partnerId: number) => `partner:${partnerId}`;

interface BatchContext {
  deps: CredentialsDeps;
  now: number;
  ttlMs: number;
  variant: EmailVariant;
  /** Lower-cased email -> partners (among those being given a new account) that share it. */
  sharedEmails: Map<string, number[]>;
}

export interface QueueItem {
  accountId: number;
  to: string;
  key: string;
  firstName: string;
  lastName: string;
}

function paramsFor(ctx: Pick<BatchContext, 'deps' | 'now' | 'ttlMs' | 'variant'>, item: QueueItem, token: string): Record<string, unknown> {
  const origin = partnerCenterOrigin(ctx.deps.config);
  return {
    firstName: item.firstName || null,
    fullName: `${item.firstName} ${item.lastName}`.trim() || null,
    email: item.to,
    setPasswordUrl: setPasswordLinkFor(ctx.deps.config, token),
    signInUrl: `${origin}/sso/sign-in`,
    partnerCenterUrl: `${origin}/partner-center/`,
    expiresAt: ctx.now + ctx.ttlMs,
    validDays: Math.round((ctx.ttlMs / 86_400_000) * 10) / 10,
    legacyUrl: ctx.variant.legacyUrl ?? null,
    moved: Boolean(ctx.variant.legacyUrl),
  };
}

/** Queues credentials emails, each with a fresh token (issuing voids the account's older links). */
export async function queueCredentialsEmails(trx: Transaction<Database>, ctx: Pick<BatchContext, 'deps' | 'now' | 'ttlMs' | 'variant'>, items: readonly QueueItem[]): Promise<void> {
  if (!items.length) return;
  const tokens = await issueSetPasswordTokens(trx, items.map((i) => i.accountId), ctx.ttlMs, ctx.now);
  await queueEmails(trx, ctx.deps.config.dataKeys, items.map((i) => ({ idempotencyKey: i.key, to: i.to, template: CREDENTIALS_TEMPLATE, params: paramsFor(ctx, i, tokens.get(i.accountId)!) })), ctx.now);
}

/** Decides one partner before any write: a final row (skipped, failed) or the account to create or use. */
function decide(row: repo.PartnerCredentialRow, owners: Map<string, { id: number; partner_id: number | null }>, ctx: BatchContext): CredentialRow | { create?: string; accountId?: number; to: string } {
  const base = { partnerId: row.partner_id, email: row.account_email ?? row.contact_email };
  if (row.partner_status !== 'active') return { ...base, outcome: 'skipped', reason: 'partner is inactive in Ontraport' };
  if (row.disabled_at !== null) return { ...base, accountId: row.account_id!, outcome: 'skipped', reason: 'account revoked; `credentials resend --reinstate` gives access back' };
  if (row.account_id !== null && row.account_email !== null) return { accountId: row.account_id, to: row.account_email };
  const check = checkEmail(row.contact_email);
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
  owners.set(check.email, { id: 0, partner_id: row.partner_id });
  return { create: check.email, to: check.email };
}

/**
 * One batch in one transaction, in a handful of statements whatever its size: accounts, outbox look-up, version
 * bumps, tokens, emails and journal rows are each written for the whole batch at once.
 */
async function runBatch(ids: number[], ctx: BatchContext, opts: IssueOptions): Promise<CredentialRow[]> {
  const { db } = ctx.deps;
  let out: CredentialRow[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      const rowsById = new Map((await repo.loadPartnerCredentialRows(trx, ids)).map((r) => [r.partner_id, r]));
      const results = new Map<number, CredentialRow>();
      const emails = ids.map((id) => checkEmail(rowsById.get(id)?.contact_email)).flatMap((c) => (c.ok ? [c.email] : []));
      const owners = new Map((await repo.accountsByEmail(trx, emails)).map((a) => [a.email, a]));
      const ready: Array<{ row: repo.PartnerCredentialRow; accountId?: number; to: string; create?: string }> = [];
      for (const id of ids) {
        const row = rowsById.get(id);
        if (!row) {
          results.set(id, { partnerId: id, email: null, outcome: 'failed', reason: `partner ${id} not found` });
          continue;
        }
        const d = decide(row, owners, ctx);
        if ('outcome' in d) results.set(id, d);
        else ready.push({ row, ...d });
      }
      const created = await repo.insertPartnerAccounts(trx, ready.filter((r) => r.create).map((r) => ({ partnerId: r.row.partner_id, email: r.create! })), ctx.now);
      for (const r of ready) if (r.create) r.accountId = created.get(r.row.partner_id);

      const keyOf = (r: (typeof ready)[number]) => credentialsEmailKey(r.accountId!, r.row.credentials_version ?? 1);
      const existing = new Map((await findEmails(trx, ready.map(keyOf))).map((e) => [e.idempotency_key, e]));
      const toQueue: QueueItem[] = [];
      const bumps: number[] = [];
      for (const r of ready) {
        const accountId = r.accountId!;
        const done = { partnerId: r.row.partner_id, email: r.to, accountId, accountCreated: Boolean(r.create) };
        const item = { accountId, to: r.to, key: keyOf(r), firstName: r.row.first_name, lastName: r.row.last_name };
        const e = existing.get(item.key);
        if (!e) {
          if (!r.create && (r.row.has_password || r.row.oidc_subject)) {
            results.set(r.row.partner_id, { ...done, outcome: 'skipped', reason: 'already signs in (password or company account); `credentials resend` sends a new link anyway' });
          } else {
            toQueue.push(item);
            results.set(r.row.partner_id, { ...done, outcome: 'queued' });
          }
        } else if (e.status === 'sent') results.set(r.row.partner_id, { ...done, outcome: 'already_sent' });
        else if (e.status === 'queued') results.set(r.row.partner_id, { ...done, outcome: 'pending' });
        else if (e.status === 'sending') {
          results.set(r.row.partner_id, { ...done, outcome: 'pending', reason: 'was being sent when a run stopped (or is being sent by another process): it may have arrived; ten minutes after, the outbox flags it interrupted' });
        }
        else if (/^interrupted/.test(e.last_error ?? '')) {
          results.set(r.row.partner_id, { ...done, outcome: 'failed', reason: `the earlier email was interrupted while sending and may have arrived; \`credentials resend --partner ${r.row.partner_id}\` sends a fresh link` });
        } else {
          // Refused by the SMTP server: it never arrived, so a fresh link under the next version is not a duplicate.
          bumps.push(accountId);
          toQueue.push({ ...item, key: credentialsEmailKey(accountId, (r.row.credentials_version ?? 1) + 1) });
          results.set(r.row.partner_id, { ...done, outcome: 'requeued', reason: `earlier email refused: ${(e.last_error ?? 'unknown error').slice(0, 200)}` });
        }
      }
      await repo.bumpCredentialsVersions(trx, bumps);
      await queueCredentialsEmails(trx, ctx, toQueue);
      out = ids.map((id) => results.get(id)!);
      if (opts.journal && !opts.dryRun) await opts.journal.recordAll(trx, out.map((row, i) => ({ itemKey: partnerItemKey(ids[i]), row })));
      if (opts.dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return out;
    throw err;
  }
  await opts.journal?.afterCommit?.();
  return out;
}

/** The partners the journal does not have as done, in their order. */
async function notDone(journal: ItemJournal, ids: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (const part of repo.chunks(ids, 5_000)) {
    const done = await journal.doneAmong(part.map(partnerItemKey));
    for (const id of part) if (!done.has(partnerItemKey(id))) out.push(id);
  }
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
  const todo = opts.journal ? await notDone(opts.journal, unique) : unique;
  const resumed = unique.length - todo.length;

  // Shared emails are judged over the whole selection, done or not, so a resumed run decides as an uninterrupted one.
  // Only emails and account ids are read for that (the partners' rows are read batch by batch); a run with
  // nothing left to do reads nothing, nor does one whose partners left to do cannot reach that rule (a re-run
  // taking up again only inactive partners, or partners who have an account).
  const sharedRuleNeeded = todo.length === unique.length || (todo.length > 0 && (await repo.anyWithoutAccount(deps.db, todo)));
  if (sharedRuleNeeded) {
    const tally = new SharedEmailTally();
    await repo.eachEmailFacts(deps.db, unique, (r) => {
      if (r.account_id === null) tally.add(r.contact_email, r.partner_id);
    });
    ctx.sharedEmails = tally.shared;
  }

  const results: CredentialRow[] = [];
  const counts = tally([]);
  let created = 0;
  let done = 0;
  const size = opts.batchSize ?? 200;
  opts.onProgress?.(0, todo.length);
  for (const batch of repo.chunks(todo, size)) {
    let batchRows: CredentialRow[];
    try {
      batchRows = await runBatch(batch, ctx, opts);
    } catch (err) {
      if (err instanceof RunAborted || batch.length === 1) throw err;
      // One bad row (e.g. a unique violation from a concurrent run) must not sink its batch: redo one by one.
      deps.logger.warn({ err: (err as Error).message, first: batch[0] }, 'credentials batch failed; retrying partner by partner');
      batchRows = [];
      for (const id of batch) {
        try {
          batchRows.push(...(await runBatch([id], ctx, opts)));
        } catch (inner) {
          if (inner instanceof RunAborted) throw inner;
          batchRows.push({ partnerId: id, email: null, outcome: 'failed', reason: `store error: ${(inner as Error).message.slice(0, 200)}` });
        }
      }
    }
    for (const row of batchRows) {
      counts[row.outcome]++;
      if (row.accountCreated) created++;
      if (!opts.keep || opts.keep(row)) results.push(row);
    }
    done += batch.length;
    opts.onProgress?.(done, todo.length);
  }
  return { rows: results, counts, created, resumed, dryRun: Boolean(opts.dryRun) };
}
