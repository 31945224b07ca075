/**
 * The `partnergate` command tree (commander). `runCli` parses argv, runs one command and returns its exit code
 * (documented in docs/cli.md); it never calls process.exit, so tests run it in-process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { reportFailure, type CliIo, type RunState } from './command.js';
import { adminCommand } from './commands/admins.js';
import { configCommand, dbCommand } from './commands/basics.js';
import { credentialsCommand } from './commands/credentials.js';
import { mailCommand } from './commands/mail.js';
import { migrateCommand } from './commands/migrate.js';
import { ontraportCommand } from './commands/ontraport.js';
import { partnerCenterCommand } from './commands/partner-center.js';
import { partnersCommand } from './commands/partners.js';
import { demoDataCommand, groupsCommand, payoutsCommand, syncCommand, tiersCommand } from './commands/operations.js';
import { ExitCode, exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import { createOutput } from './output.js';

/** The version in package.json: the nearest one above this file (src/… under tsx, dist/src/… once built). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  }
  return 'unknown';
}

export function buildProgram(io: CliIo, state: RunState): Command {
  const program = new Command('partnergate')
    .description('Partnergate admin: store, configuration, Ontraport sync, credentials, and the migrations from PilotPress')
    .version(packageVersion(), '-V, --version', 'print the version of Partnergate and exit')
    .option('--json', 'print the result as one JSON document on stdout (no progress bars)')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  const commands = [
    dbCommand(io, state), configCommand(io, state), demoDataCommand(io, state), ontraportCommand(io, state), syncCommand(io, state), tiersCommand(io, state), groupsCommand(io, state),
    payoutsCommand(io, state), credentialsCommand(io, state), mailCommand(io, state), migrateCommand(io, state), partnerCenterCommand(io, state),
    adminCommand(io, state), partnersCommand(io, state),
  ];
  for (const c of commands) program.addCommand(c);
  // Every (sub)command: errors thrown instead of exiting, output to our streams, usage shown after an error.
  const configure = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) }).showHelpAfterError('(add --help for usage)');
    c.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<ExitCodeValue> {
  const state: RunState = { code: ExitCode.ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, --version, and a command group run without a subcommand (help shown) are not failures.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (err.code === 'commander.help') return ExitCode.usage;
      return ExitCode.usage;
    }
    const code = exitCodeFor(err);
    reportFailure(createOutput({ json: argv.includes('--json'), stdout: io.stdout, stderr: io.stderr }), io, err, code);
    return code;
  }
}
