/**
 * `partnergate credentials issue | resend | revoke`.
 * Issue and resend queue through the outbox, then send it (unless --no-send or no SMTP server is configured), so
 * the idempotency key per account keeps a re-run from sending anything twice.
 */
import { Command } from 'commander';
import { AppError } from '../../../common/index.js';
import { issueCredentials } from '../../../accounts/index.js';
import { resendCredentials, revokeCredentials, sendCredentialEmails, type SendReport } from '../../../accounts/index.js';
import { tally, type CredentialRow } from '../../../accounts/index.js';
import { readPartnerListFile } from '../../../accounts/index.js';
import { isEmptySelector, selectPartners, type PartnerSelector } from '../../../accounts/index.js';
import { groupMembersAdapter } from '../../adapters.js';
import { action, parseIds, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { describeRow, type Output } from '../output.js';
import type { CliRuntime } from '../runtime.js';

interface SelectorOpts {
  partner?: number[];
  program?: string;
  group?: string;
  all?: boolean;
  csv?: string;
  dryRun?: boolean;
  send?: boolean;
}

function withSelectors(cmd: Command): Command {
  return cmd
    .option('--partner <ids...>', 'partner ids (space- or comma-separated)', parseIds('partner'))
    .option('--program <name>', 'every partner of this partner program')
    .option('--group <name>', 'every member of this group (blocks configuration)')
    .option('--csv <file>', 'a partner list: CSV with a header naming partner_id, contact_id (Ontraport) or email')
    .option('--dry-run', 'decide and report, change nothing');
}

function selectorOf(opts: SelectorOpts): PartnerSelector {
  return {
    partnerIds: opts.partner,
    program: opts.program,
    group: opts.group,
    all: opts.all,
    csv: opts.csv ? { text: readPartnerListFile(opts.csv), label: opts.csv } : undefined,
  };
}

const MAX_LINES = 50;

export function rowLines(rows: CredentialRow[], keep: (r: CredentialRow) => boolean = (r) => r.outcome === 'failed' || r.outcome === 'skipped' || r.outcome === 'requeued'): string[] {
  const shown = rows.filter(keep);
  const lines = shown.slice(0, MAX_LINES).map((r) => `  ${describeRow(r)}`);
  if (shown.length > MAX_LINES) lines.push(`  ... and ${shown.length - MAX_LINES} more (--json lists every row)`);
  return lines;
}

/** Sends the outbox when it can; otherwise says how to send later. */
export async function sendIfPossible(rt: CliRuntime, opts: { send?: boolean; dryRun?: boolean }, expected: number): Promise<SendReport | null> {
  if (opts.dryRun || opts.send === false) return null;
  if (!rt.canSend()) {
    rt.out.note('not sending: PARTNERGATE_SMTP_URL is not set. Set it, then run `partnergate mail drain`.');
    return null;
  }
  const deps = await rt.credentialsDeps();
  const bar = rt.out.progress('sending emails');
  bar.update(0, expected);
  try {
    return await sendCredentialEmails(deps, { onSent: (n) => bar.update(n, Math.max(n, expected)) });
  } finally {
    bar.stop();
  }
}

export function sendLines(send: SendReport | null): string[] {
  if (!send) return ['emails: queued, not sent (run `partnergate mail drain`)'];
  const lines = [`emails: ${send.sent} sent, ${send.failed.length} refused, ${send.retrying} retrying later, ${send.interrupted} interrupted, ${send.inFlight.length} cut off mid-send`];
  lines.push(...rowLines([...send.failed, ...send.inFlight], () => true));
  return lines;
}

function exitFor(rows: CredentialRow[], send: SendReport | null): number {
  const failed = rows.some((r) => r.outcome === 'failed') || (send?.failed.length ?? 0) > 0;
  return failed ? ExitCode.partial : ExitCode.ok;
}

function report(out: Output, title: string, description: string, rows: CredentialRow[], send: SendReport | null, dryRun: boolean, extra: Record<string, unknown> = {}): void {
  const counts = tally(rows);
  out.result({ ok: true, dryRun, selection: description, counts, rows, send, ...extra }, () => [
    `${dryRun ? '[dry run] ' : ''}${title} for ${description}: ${rows.length} rows`,
    `  ${Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k.replace('_', ' ')} ${n}`).join(', ') || 'nothing to do'}`,
    ...rowLines(rows),
    ...(dryRun ? [] : sendLines(send)),
  ]);
}

export function credentialsCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('credentials').description('issue, resend or revoke partner sign-in credentials (emailed set-password links)');

  withSelectors(cmd.command('issue'))
    .description('create an account for each selected partner and email a single-use set-password link; a re-run never sends twice')
    .option('--all', 'every partner (those who can already sign in, or were already sent a link, are skipped)')
    .option('--no-send', 'queue the emails only (send later with `mail drain`)')
    .action(
      action<SelectorOpts>(io, state, async (rt, opts) => {
        const deps = await rt.credentialsDeps();
        const selection = await selectPartners({ db: deps.db, groupMembers: groupMembersAdapter(rt) }, selectorOf(opts));
        const bar = rt.out.progress('issuing credentials');
        let result;
        try {
          result = await issueCredentials(deps, selection.partnerIds, { dryRun: opts.dryRun, onProgress: (d, t) => bar.update(d, t) });
        } finally {
          bar.stop();
        }
        const rows = [...selection.rejected, ...result.rows];
        const expected = rows.filter((r) => r.outcome === 'queued' || r.outcome === 'requeued' || r.outcome === 'pending').length;
        const send = await sendIfPossible(rt, opts, expected);
        report(rt.out, 'credentials issue', selection.description, rows, send, Boolean(opts.dryRun));
        return exitFor(rows, send) as 0 | 4;
      }),
    );

  withSelectors(cmd.command('resend'))
    .description('send a fresh set-password link to the selected partners (every earlier link stops working)')
    .option('--all', 'every partner with an account')
    .option('--reinstate', 'give revoked accounts access back')
    .option('--no-send', 'queue the emails only')
    .action(
      action<SelectorOpts & { reinstate?: boolean }>(io, state, async (rt, opts) => {
        if (isEmptySelector(selectorOf(opts))) throw new AppError('request.invalid_field', 'resend: name the partners (--partner, --program, --group, --csv or --all)', { field: 'partner' });
        const deps = await rt.credentialsDeps();
        const selection = await selectPartners({ db: deps.db, groupMembers: groupMembersAdapter(rt) }, selectorOf(opts));
        const rows = [...selection.rejected, ...(await resendCredentials(deps, selection.partnerIds, { dryRun: opts.dryRun, reinstate: opts.reinstate }))];
        const send = await sendIfPossible(rt, opts, rows.filter((r) => r.outcome === 'queued').length);
        report(rt.out, 'credentials resend', selection.description, rows, send, Boolean(opts.dryRun));
        return exitFor(rows, send) as 0 | 4;
      }),
    );

  withSelectors(cmd.command('revoke'))
    .description('disable the selected partners\' accounts: links stop working and sessions end')
    .option('--all', 'every partner (careful)')
    .action(
      action<SelectorOpts>(io, state, async (rt, opts) => {
        if (isEmptySelector(selectorOf(opts))) throw new AppError('request.invalid_field', 'revoke: name the partners (--partner, --program, --group, --csv or --all)', { field: 'partner' });
        const deps = await rt.credentialsDeps();
        const selection = await selectPartners({ db: deps.db, groupMembers: groupMembersAdapter(rt) }, selectorOf(opts));
        const rows = [...selection.rejected, ...(await revokeCredentials(deps, selection.partnerIds, { dryRun: opts.dryRun }))];
        const counts = tally(rows);
        rt.out.result({ ok: true, dryRun: Boolean(opts.dryRun), selection: selection.description, counts, rows }, () => [
          `${opts.dryRun ? '[dry run] ' : ''}credentials revoke for ${selection.description}: ${counts.revoked} revoked, ${counts.skipped} skipped, ${counts.failed} failed`,
          ...rowLines(rows),
        ]);
        return exitFor(rows, null) as 0 | 4;
      }),
    );
  return cmd;
}
