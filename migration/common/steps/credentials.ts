/**
 * Steps that give partners their new credentials: who (every partner, or a CSV partner list), the accounts and
 * queued emails (one journal item per partner, in the partner's transaction), and sending. An email the SMTP
 * server refuses turns its partner's item back to `failed`, so the next `apply` re-issues exactly those.
 */
import { existsSync, writeFileSync } from 'node:fs';
import {
  issueCredentials, resolvePartnerList, sendCredentialEmails,
  type CredentialOutcome, type CredentialRow, type CredentialsDeps, type EmailVariant, type ItemJournal,
} from '../../../src/accounts/index.js';
import { readOutboxStatus } from '../../../src/mail/index.js';
import type { ApplyContext, MigrationDeps } from '../context.js';
import type { JournalStatus } from '../journal.repo.js';
import * as repo from '../migration.repo.js';
import { onceStep, progressOf, pushStep } from './runner.js';

export const CREDENTIALS_STEP = 'credentials';

export function credentialsDepsOf(deps: MigrationDeps): CredentialsDeps {
  return { db: deps.store.db, config: deps.config, views: deps.views, mail: deps.mail, logger: deps.logger, now: deps.now };
}

export function journalStatusOf(outcome: CredentialOutcome): JournalStatus {
  if (outcome === 'failed') return 'failed';
  if (outcome === 'skipped') return 'skipped';
  return 'done';
}

/** The partners to serve: the CSV list when given (resolved once and journaled), else every partner. */
export async function targetPartnersStep(ctx: ApplyContext): Promise<number[]> {
  if (!ctx.opts.csv) return repo.allPartnerIds(ctx.deps.store.db);
  const csv = ctx.opts.csv;
  let resolved: { partnerIds: number[]; rejected: CredentialRow[] } | undefined;
  await onceStep(ctx, 'partner-list', async () => {
    const list = await resolvePartnerList(ctx.deps.store.db, csv.text, csv.label);
    resolved = list;
    return {
      summary: `partner list ${csv.label}: ${list.lines} lines, ${list.partnerIds.length} partners, ${list.rejected.length} lines rejected`,
      counts: { lines: list.lines, partners: list.partnerIds.length, rejected: list.rejected.length },
      details: { partnerIds: list.partnerIds, rejected: list.rejected },
    };
  });
  // A resumed run uses the list as it was resolved the first time, even if the file changed since.
  resolved ??= (await ctx.journal.details<{ partnerIds: number[]; rejected: CredentialRow[] }>('partner-list'))!.details;
  ctx.rows.push(...resolved.rejected);
  return resolved.partnerIds;
}

export function credentialsJournal(ctx: ApplyContext): ItemJournal {
  return {
    doneAmong: (items) => ctx.journal.doneItems(CREDENTIALS_STEP, items),
    recordAll: (trx, entries) => ctx.journal.recordMany(CREDENTIALS_STEP, entries.map((e) => ({ item: e.itemKey, status: journalStatusOf(e.row.outcome), details: e.row })), trx),
    afterCommit: async () => {
      ctx.journal.checkpoint('credentials:batch-committed');
      if (ctx.opts.holdFile) await holdOnce(ctx.opts.holdFile);
    },
  };
}

let held = false;

/** The test hook of `holdFile`: says it is held, then waits for the file (once per process). */
async function holdOnce(file: string): Promise<void> {
  if (held) return;
  held = true;
  writeFileSync(`${file}.held`, String(process.pid));
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 50));
}

export async function credentialsStep(ctx: ApplyContext, partnerIds: number[], variant: EmailVariant = {}): Promise<void> {
  const needsAttention = (r: CredentialRow) => r.outcome === 'failed' || r.outcome === 'skipped' || (r.outcome === 'pending' && Boolean(r.reason));
  const result = await issueCredentials(credentialsDepsOf(ctx.deps), partnerIds, {
    journal: credentialsJournal(ctx),
    batchSize: ctx.opts.batchSize,
    variant,
    onProgress: progressOf(ctx, 'issuing credentials'),
    keep: needsAttention,
  });
  const counts = { ...result.counts, doneEarlier: result.resumed };
  ctx.rows.push(...result.rows);
  const created = result.created;
  pushStep(ctx, {
    step: CREDENTIALS_STEP,
    status: 'done',
    summary: `${partnerIds.length} partners: ${created} accounts created, ${counts.queued + counts.requeued} emails queued, ${counts.already_sent} already sent, ${counts.failed} failed, ${counts.skipped} skipped, ${result.resumed} done by an earlier run`,
    counts,
  });
}

export async function sendStep(ctx: ApplyContext): Promise<void> {
  if (!ctx.deps.canSend || ctx.opts.send === false) {
    const due = (await readOutboxStatus(ctx.deps.store.db)).due;
    pushStep(ctx, { step: 'send', status: 'skipped', summary: `${due} emails queued: the gateway's background jobs send them, or run \`partnergate mail drain\` (\`migrate status\` shows how far they are)`, counts: { queued: due } });
    return;
  }
  ctx.journal.checkpoint('send:start');
  const expected = (await ctx.journal.counts(CREDENTIALS_STEP)).done;
  const report = await sendCredentialEmails(credentialsDepsOf(ctx.deps), { onSent: (n) => ctx.opts.onProgress?.('sending emails', n, Math.max(n, expected)) });
  for (const row of report.failed) {
    if (row.partnerId !== null) await ctx.journal.record(CREDENTIALS_STEP, `partner:${row.partnerId}`, 'failed', row);
  }
  // Cut off mid-send by an earlier run: not done; the next run looks at them again (by then flagged interrupted).
  for (const row of report.inFlight) {
    if (row.partnerId !== null) await ctx.journal.record(CREDENTIALS_STEP, `partner:${row.partnerId}`, 'skipped', row);
  }
  ctx.rows.push(...report.failed, ...report.inFlight);
  ctx.journal.checkpoint('send:done');
  pushStep(ctx, {
    step: 'send',
    status: 'done',
    summary: `${report.sent} emails sent, ${report.failed.length} refused, ${report.retrying} retrying later, ${report.interrupted} interrupted, ${report.inFlight.length} cut off mid-send by an earlier run${report.busy ? '; another process is draining the outbox and sends the rest' : ''}`,
    counts: { sent: report.sent, refused: report.failed.length, retrying: report.retrying, interrupted: report.interrupted, inFlight: report.inFlight.length },
  });
}
