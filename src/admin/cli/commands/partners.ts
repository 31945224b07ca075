/**
 * `partnergate partners erase <id> [--dry-run] [--json]`: erases a partner (src/data-rights): personal data
 * replaced, every way in ended, accounting kept, a tombstone the Ontraport sync honours; one transaction,
 * audited. `--dry-run` counts what would change and changes nothing. Erasing an erased partner changes nothing.
 */
import { Command } from 'commander';
import { erasePartner, type ErasureReport } from '../../../data-rights/index.js';
import { defineCommand, parsePositiveInt, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';

function lines(r: ErasureReport): string[] {
  if (r.alreadyErased) return [`partner ${r.partnerId} was already erased: nothing changed`];
  const verb = r.dryRun ? '[dry run] would end' : 'ended';
  return [
    `${r.dryRun ? '[dry run] would erase' : 'erased'} partner ${r.partnerId}: name, email, PayPal email, alias and time zone replaced; partner inactive`,
    `${verb} ${r.identity.accounts} account(s): ${r.identity.sessions} session(s), ${r.identity.tokens} one-time token(s), ${r.identity.apiKeys} API key(s); password, TOTP, OpenID and WordPress links removed`,
    `${r.dryRun ? '[dry run] would scrub' : 'scrubbed'} ${r.identity.auditEntriesScrubbed} audit entr(ies), ${r.outboxEmails} outbox email(s), ${r.massPayRows} MassPay row(s); ${r.ontraportWriteBacks} pending Ontraport write-back(s) dropped`,
    `kept: ${r.kept.join('; ')}`,
  ];
}

export function partnersCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('partners').description('partners: erasure');
  defineCommand<{ dryRun?: boolean }>(io, state, 'erase', {
    description: 'erase a partner: personal data replaced, sign-in ended by every path, accounting kept (one transaction, audited)',
    args: [['<id>', 'the partner id (as the admin area shows it)']],
    options: [['--dry-run', 'count what would change, change nothing']],
    run: async (rt, opts, args) => {
      const partnerId = parsePositiveInt('id', 1)(args[0] ?? '');
      const db = (await rt.store()).db;
      const report = await erasePartner(db, { partnerId, now: Date.now(), dryRun: Boolean(opts.dryRun) });
      rt.out.result({ ok: true, ...report }, () => lines(report));
      return ExitCode.ok;
    },
  }, cmd);
  return cmd;
}
