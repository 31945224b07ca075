/**
 * `partnergate db migrate | check | backup` and `partnergate config check | doc`.
 */
import { Command } from 'commander';
import { Migrator } from 'kysely';
import { configReferenceMarkdown } from '../../../config/index.js';
import { migrateToLatest, openStore, SchemaError } from '../../../store/index.js';
import { migrationsFor } from '../../../store/migrate.js';
import { defineCommand, type CliIo, type RunState } from '../command.js';
import { dbBackupCommand, dbCheckCommand } from './db-integrity.js';
import { ExitCode } from '../exit-codes.js';
import { openStoreAsIs } from '../runtime.js';
import { behindMessage, schemaStatus } from '../schema-status.js';

export function dbCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('db').description('the store (SQLite file or PostgreSQL)');
  defineCommand<{ dryRun?: boolean }>(io, state, 'migrate', {
    description: 'bring the store\'s schema to this version of Partnergate (the gateway also does it at start-up)',
    options: [['--dry-run', 'list the migrations that would run, run none']],
    run: async (rt, opts) => {
      const store = io.overrides?.store ?? (await openStore(rt.config.store));
      try {
        if (opts.dryRun) {
          const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrationsFor(store.kind) } });
          const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
          rt.out.result({ ok: true, dryRun: true, store: store.kind, pending }, () =>
            pending.length ? [`[dry run] ${pending.length} migrations would run:`, ...pending.map((n) => `  ${n}`)] : ['[dry run] the schema is up to date'],
          );
          return;
        }
        const applied = await migrateToLatest(store.db, store.kind);
        rt.out.result({ ok: true, store: store.kind, applied }, () => (applied.length ? [`applied ${applied.length} migrations:`, ...applied.map((n) => `  ${n}`)] : ['the schema is up to date']));
      } finally {
        if (!io.overrides?.store) await store.close();
      }
    },
  }, cmd);
  cmd.addCommand(dbCheckCommand(io, state));
  cmd.addCommand(dbBackupCommand(io, state));
  return cmd;
}

export function configCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('config').description('the configuration (environment variables and PARTNERGATE_CONFIG file, as the gateway reads them)');
  defineCommand(io, state, 'check', {
    description: 'validate the configuration and reach the store; prints what is set (never secrets) and where the schema stands; changes nothing',
    run: async (rt) => {
      const c = rt.config;
      const opened = await openStoreAsIs(rt, io.overrides);
      let schema;
      try {
        await opened.store.ping();
        schema = await schemaStatus(opened.store);
      } finally {
        await opened.close();
      }
      const store = opened.store;
      // The gateway refuses such a store at start-up, so the check fails the same way (exit 3).
      if (schema.unknown.length) throw new SchemaError(`written by a newer Partnergate (schema ${schema.unknown.at(-1)}); upgrade Partnergate or point it at another store`);
      const summary = {
        ok: true,
        configFile: c.configFile ?? null,
        environment: c.environment,
        store: store.kind,
        publicUrl: c.publicUrl,
        partnerCenterHost: c.partnerCenterHost ?? null,
        upstreamUrl: c.upstreamUrl ?? null,
        smtp: Boolean(c.smtpUrl),
        ontraport: c.ontraportEnabled,
        oidc: c.oidcEnabled,
        wpShimSecret: c.wpShimSecretGenerated ? 'generated for this run (set PARTNERGATE_WP_SHIM_SECRET)' : 'set',
        schemaPending: schema.pending.length,
      };
      // Pending migrations are a warning, not a failure: the next start (or `db migrate`) applies them.
      const warnings: string[] = [...c.ignored];
      if (schema.pending.length) warnings.push(behindMessage(schema.pending.length));
      if (!c.smtpUrl) warnings.push('PARTNERGATE_SMTP_URL is not set: credential emails cannot be sent');
      if (!c.ontraportEnabled) warnings.push('Ontraport is not configured: `sync` and situation 1 cannot import partners');
      if (c.wpShimSecretGenerated && c.upstreamUrl) warnings.push('PARTNERGATE_WP_SHIM_SECRET is not set: the WordPress hand-off will not work across restarts');
      rt.out.result({ ...summary, warnings }, () => [
        'configuration is valid',
        ...Object.entries(summary).filter(([k]) => k !== 'ok').map(([k, v]) => `  ${k}: ${v ?? '(unset)'}`),
        ...warnings.map((w) => `warning: ${w}`),
      ]);
      return ExitCode.ok;
    },
  }, cmd);
  cmd
    .command('doc')
    .description('print the configuration reference (markdown table of every setting)')
    .action(async () => {
      io.stdout.write(`${configReferenceMarkdown()}\n`);
      state.code = ExitCode.ok;
    });
  return cmd;
}
