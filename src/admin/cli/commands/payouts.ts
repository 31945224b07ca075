/**
 * `payouts confirm --file RESULT.csv [--dry-run]`: records the payouts of a MassPay run once the operator has
 * PayPal's result file (docs/payouts.md). Rows PayPal did not pay stay unpaid and are listed (exit 4); a file
 * that cannot be read or matched records nothing and names each bad row (exit 2); a second run of the same
 * file records nothing and says so. Payout emails are queued for the gateway (or `mail send-queued`) to send.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AppError, centsToDecimal } from '../../../common/index.js';
import { deliverNotifications } from '../../../notifications/index.js';
import { confirmMasspay, type ConfirmMasspayResult } from '../../../payouts/index.js';
import { defineCommand, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';

function readResultFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('request.invalid_field', `file: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { field: 'file' });
  }
}

function describe(r: ConfirmMasspayResult): string[] {
  const money = (cents: number, currency: string) => `${centsToDecimal(cents)} ${currency}`;
  const total = r.recorded.reduce((s, x) => s + x.amountCents, 0);
  const verb = r.dryRun ? 'would record' : 'recorded';
  return [
    `${r.dryRun ? '[dry run] ' : ''}${r.rows} rows: ${verb} ${r.recorded.length} payouts (${centsToDecimal(total)}), ${r.alreadyRecorded.length} already recorded, ${r.notPaid.length} not paid by PayPal, ${r.conflicts.length} already paid otherwise`,
    ...r.recorded.map((x) => `  row ${x.row}: partner ${x.partnerId} ${money(x.amountCents, x.currency)} ${verb}${x.payoutId ? ` as payout ${x.payoutId}` : ''} (${x.commissions} commissions${x.transactionId ? `, PayPal ${x.transactionId}` : ''})`),
    ...r.alreadyRecorded.map((x) => `  row ${x.row}: partner ${x.partnerId} already recorded${x.payoutId ? ` as payout ${x.payoutId}` : ''}: nothing written`),
    ...r.notPaid.map((x) => `  row ${x.row}: partner ${x.partnerId} ${money(x.amountCents, x.currency)} NOT paid (PayPal: ${x.status}): stays unpaid, in the next MassPay file`),
    ...r.conflicts.map((x) => `  row ${x.row}: partner ${x.partnerId} not recorded: ${x.reason}`),
  ];
}

export function payoutsConfirmCommand(io: CliIo, state: RunState): Command {
  return defineCommand<{ file: string; dryRun?: boolean }>(io, state, 'confirm', {
    description: "record the payouts of a MassPay run from PayPal's result file (CSV with recipient, amount, currency, status, transaction id, unique id); failed or unclaimed rows stay unpaid and are listed; never records a payout twice",
    required: [['--file <file>', "PayPal's result file of the MassPay run"]],
    options: [['--dry-run', 'check the file and say what would be recorded, write nothing']],
    run: async (rt, opts) => {
      const text = readResultFile(opts.file);
      const db = (await rt.store()).db;
      const bar = rt.out.progress('confirming payouts');
      let result: ConfirmMasspayResult;
      try {
        result = await confirmMasspay(db, { file: text, actor: { accountId: null }, dryRun: opts.dryRun, onProgress: (done, total) => bar.update(done, total) });
      } finally {
        bar.stop();
      }
      if (!opts.dryRun && result.recorded.length) {
        await deliverNotifications({ db, keys: rt.config.dataKeys, publicUrl: rt.config.publicUrl, now: Date.now });
      }
      rt.out.result({ ok: true, ...result }, () => describe(result));
      return result.notPaid.length || result.conflicts.length ? ExitCode.partial : ExitCode.ok;
    },
  });
}
