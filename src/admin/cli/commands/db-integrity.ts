/**
 * `partnergate db check [--full]` and `partnergate db backup FILE`: is the store sound, and a consistent copy of
 * it. Neither migrates the store first: a damaged store is only read.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { AppError } from '../../../common/index.js';
import { backupSqlite, checkStore, openStore, type Store } from '../../../store/index.js';
import { action, type CliIo, type RunState } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliRuntime } from '../runtime.js';

/** The store as configured (or the one a test injects), closed after `fn` when opened here. */
async function withStore<T>(rt: CliRuntime, io: CliIo, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = io.overrides?.store ?? (await openStore(rt.config.store));
  try {
    return await fn(store);
  } finally {
    if (!io.overrides?.store) await store.close();
  }
}

export function dbCheckCommand(io: CliIo, state: RunState): Command {
  return new Command('check')
    .description('check that the store is not damaged (SQLite: PRAGMA quick_check; PostgreSQL: invalid indexes, amcheck); exits 1 on a problem')
    .option('--full', 'the slower, complete check (SQLite integrity_check; PostgreSQL also reads every table)')
    .action(
      action<{ full?: boolean }>(io, state, async (rt, opts) =>
        withStore(rt, io, async (store) => {
          const report = await checkStore(store, { full: opts.full });
          rt.out.result(report, () => [
            `store check (${store.kind}): ${report.ok ? 'ok' : 'PROBLEMS FOUND'}`,
            ...report.checks.flatMap((c) => [`  ${c.name}: ${c.problems.length ? `${c.problems.length} problem(s)` : 'ok'}`, ...c.problems.map((p) => `    ${p}`)]),
            ...(report.ok ? [] : ['the store is damaged: stop the gateway and restore the last good backup (README, "Backups and restore")']),
          ]);
          return report.ok ? ExitCode.ok : ExitCode.failure;
        }),
      ),
    );
}

export function dbBackupCommand(io: CliIo, state: RunState): Command {
  return new Command('backup')
    .description('copy the SQLite store to FILE while the gateway runs (online backup API), checked; PostgreSQL: prints the pg_dump command')
    .argument('<file>', 'the new backup file (must not exist)')
    .action(
      action<object>(io, state, async (rt, _opts, [file]) => {
        const dest = resolve(file!);
        if (rt.config.store.kind === 'postgres') {
          throw new AppError(
            'cli.unsupported',
            'db backup: a PostgreSQL store is backed up with its own tools: pg_dump --format=custom --file FILE "$DATABASE_URL" (restore: pg_restore --clean --if-exists --dbname "$DATABASE_URL" FILE); see README, "Backups and restore"',
          );
        }
        if (existsSync(dest)) throw new AppError('request.invalid_field', `file: ${dest} already exists: choose a new file name`, { field: 'file' });
        return withStore(rt, io, async (store) => {
          const copy = await backupSqlite(store, dest);
          rt.out.result({ ok: true, file: dest, ...copy }, () => `backed up the store to ${dest} (${copy.pages} pages, ${copy.bytes} bytes; quick_check ok)`);
        });
      }),
    );
}
