#!/usr/bin/env node
/**
 * `partnergate`: the admin command line (package.json `bin` -> dist/src/admin/cli.js; in development
 * `npx tsx src/admin/cli.ts`). Every command has --help; exit codes are in docs/cli.md.
 */
import { favourMemoryOverSpeed } from './cli/memory.js';
import { runCli } from './cli/program.js';

favourMemoryOverSpeed();
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`partnergate: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
