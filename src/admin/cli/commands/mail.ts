/**
 * `partnergate mail drain` (alias `mail send-queued`): sends the outbox over the pooled SMTP connections
 * (PARTNERGATE_SMTP_MAX_CONNECTIONS, _RATE_PER_SECOND) and reports refused messages per partner; resumable (a
 * re-run sends what is still due, never a sent one again). The gateway's background jobs drain the same outbox;
 * one process drains at a time (the `mail.drain` lease), so a drain while the gateway sends says so and stops.
 */
import { Command } from 'commander';
import { readOutboxStatus, type OutboxStatus } from '../../../mail/index.js';
import { action, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { sendIfPossible, sendLines } from './credentials.js';

export function outboxLine(s: OutboxStatus): string {
  const waiting = s.oldestQueuedAt !== null ? `, oldest queued ${new Date(s.oldestQueuedAt).toISOString()}` : '';
  const who = s.drainingBy ? `; being sent by ${s.drainingBy}` : '';
  return `outbox: ${s.queued} queued (${s.due} due now, ${s.retrying} retrying later), ${s.sending} sending, ${s.sent} sent, ${s.failed} failed${waiting}${who}`;
}

export function mailCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('mail').description('the email outbox');
  cmd
    .command('drain')
    .alias('send-queued')
    .description('send every queued email that is due over pooled SMTP connections (refused ones are reported; temporary errors retried later)')
    .option('--dry-run', 'say what is queued and due, send nothing')
    .action(
      action<{ dryRun?: boolean }>(io, state, async (rt, opts) => {
        const db = (await rt.store()).db;
        const before = await readOutboxStatus(db);
        if (opts.dryRun) {
          rt.out.result({ ok: true, dryRun: true, due: before.due, outbox: before }, () => [`[dry run] ${before.due} emails are due and would be sent`, outboxLine(before)]);
          return ExitCode.ok;
        }
        const started = performance.now();
        const send = await sendIfPossible(rt, { send: true }, before.due);
        const seconds = (performance.now() - started) / 1000;
        const after = await readOutboxStatus(db);
        const perSecond = send && seconds > 0 ? Math.round(send.sent / seconds) : 0;
        rt.out.result({ ok: true, send, seconds: Math.round(seconds * 10) / 10, perSecond, outbox: after }, () => [
          ...sendLines(send),
          ...(send?.busy ? [`another process is sending the outbox (${before.drainingBy ?? 'the gateway'}): nothing sent here`] : []),
          ...(send && send.sent ? [`${send.sent} sent in ${seconds.toFixed(1)} s (${perSecond} per second)`] : []),
          outboxLine(after),
        ]);
        return send && send.failed.length ? ExitCode.partial : ExitCode.ok;
      }),
    );
  return cmd;
}
