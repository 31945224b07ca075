#!/usr/bin/env node
/**
 * `partnergate`: the admin command line (package.json `bin` -> dist/src/admin/cli.js; in development
 * `npx tsx src/admin/cli.ts`). Every command has --help; exit codes are in docs/cli.md.
 */
import { favourMemoryOverSpeed } from './cli/memory.js';
import { commandNamed, runCli } from './cli/program.js';

const argv = process.argv.slice(2);
if (commandNamed(argv) === 'migrate') favourMemoryOverSpeed();
runCli(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`partnergate: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
