/**
 * `partnergate admin create | invite | list | disable`: administrator accounts. A password is read from stdin or a
 * file, never from argv (which other users of the host can read in the process list).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AppError } from '../../../common/index.js';
import { createAdmin, disableAdmin, inviteAdmin, listAdmins, type AdminChange } from '../../../accounts/index.js';
import { defineCommand, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { sendIfPossible, sendLines } from './credentials.js';

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/** The password from `--password-file` or stdin, without the one trailing newline an editor or `echo` adds. */
async function passwordFrom(io: CliIo, opts: { passwordFile?: string; passwordStdin?: boolean }): Promise<string> {
  if (Boolean(opts.passwordFile) === Boolean(opts.passwordStdin)) {
    throw new AppError('request.invalid_field', 'password: give exactly one of --password-stdin or --password-file FILE (never on the command line)', { field: 'password' });
  }
  let text: string;
  if (opts.passwordFile) {
    try {
      text = readFileSync(opts.passwordFile, 'utf8');
    } catch (err) {
      throw new AppError('request.invalid_field', `password-file: cannot read ${opts.passwordFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field: 'password-file' });
    }
  } else {
    text = await readAll(io.stdin ?? process.stdin);
  }
  return text.replace(/\r?\n$/, '');
}

function reportChange(out: Output, change: AdminChange, extra: Record<string, unknown> = {}, more: string[] = []): void {
  out.result({ ok: true, ...change, ...extra }, () => [`${change.dryRun ? '[dry run] ' : ''}admin ${change.email}: ${change.outcome.replace('_', ' ')}${change.sessionsEnded ? ` (${change.sessionsEnded} sessions ended)` : ''}`, ...more]);
}

export function adminCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('admin').description('administrator accounts (two-factor sign-in is set up at the first sign-in)');
  defineCommand<{ email: string; passwordStdin?: boolean; passwordFile?: string; dryRun?: boolean }>(io, state, 'create', {
    description: 'create an administrator with a password read from stdin or a file',
    required: [['--email <email>', 'the administrator\'s sign-in email']],
    options: [
      ['--password-stdin', 'read the password from stdin'],
      ['--password-file <file>', 'read the password from this file'],
      ['--dry-run', 'check everything, create nothing'],
    ],
    run: async (rt, opts) => {
      const password = await passwordFrom(io, opts);
      const deps = await rt.credentialsDeps();
      reportChange(rt.out, await createAdmin(deps, { email: opts.email, password, dryRun: opts.dryRun }));
      return ExitCode.ok;
    },
  }, cmd);
  defineCommand<{ email: string; send?: boolean; dryRun?: boolean }>(io, state, 'invite', {
    description: 'create an administrator without a password and email a single-use set-password link (earlier links stop working)',
    required: [['--email <email>', 'the administrator\'s sign-in email']],
    options: [
      ['--no-send', 'queue the email only (send later with `mail drain`)'],
      ['--dry-run', 'check everything, create and send nothing'],
    ],
    run: async (rt, opts) => {
      const deps = await rt.credentialsDeps();
      const change = await inviteAdmin(deps, { email: opts.email, dryRun: opts.dryRun });
      const send = await sendIfPossible(rt, opts, 1);
      reportChange(rt.out, change, { send }, opts.dryRun ? [] : sendLines(send));
      return send && send.failed.length ? ExitCode.partial : ExitCode.ok;
    },
  }, cmd);
  defineCommand(io, state, 'list', {
    description: 'every administrator: email, password set, two-factor on, disabled',
    run: async (rt) => {
      const admins = await listAdmins((await rt.store()).db);
      rt.out.result({ ok: true, admins }, () =>
        admins.length
          ? admins.map((a) => `${a.id}\t${a.email}\t${a.passwordSet ? 'password set' : 'no password yet'}\t${a.totpEnabled ? 'two-factor on' : 'two-factor at first sign-in'}${a.disabledAt !== null ? '\tdisabled' : ''}`)
          : ['no administrators (`partnergate admin create` or `admin invite` adds one)'],
      );
      return ExitCode.ok;
    },
  }, cmd);
  defineCommand<{ email: string; dryRun?: boolean }>(io, state, 'disable', {
    description: 'disable an administrator: sign-in refused, unused links voided, every session ended',
    required: [['--email <email>', 'the administrator\'s sign-in email']],
    options: [['--dry-run', 'check, change nothing']],
    run: async (rt, opts) => {
      reportChange(rt.out, await disableAdmin(await rt.credentialsDeps(), { email: opts.email, dryRun: opts.dryRun }));
      return ExitCode.ok;
    },
  }, cmd);
  return cmd;
}
