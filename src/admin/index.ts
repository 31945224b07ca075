/**
 * Admin: the `partnergate` CLI only (src/admin/cli.ts, commands in src/admin/cli/commands/). The services the
 * commands run live in their capabilities: credentials, partner selection and administrator accounts in
 * src/accounts, migrations in migration/. Exported here: the exit codes, and the Ontraport import the migration
 * commands (and their tests) are given.
 */
export { ExitCode } from './cli/exit-codes.js';
export { ontraportImporter, type ImportPartners, type ImportSummary } from './adapters.js';
