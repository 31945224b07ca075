/**
 * What a CLI command runs with: the same configuration, store, views and mail transport as the gateway
 * (`loadConfig` reads the same environment and config file). The store is opened and migrated on demand, so
 * `config doc` needs no database and a command against an unreachable store exits 3. A read-only runtime (every
 * `--dry-run`) never migrates: a store whose schema is behind is refused (exit 3) rather than changed.
 */
import { AppError, createLogger, type Logger } from '../../common/index.js';
import { loadConfig, type Config } from '../../config/index.js';
import { createMailTransport, poolOptionsOf, type MailTransport } from '../../mail/index.js';
import { migrateToLatest, openStore, SchemaError, StoreError, type Store } from '../../store/index.js';
// The engine alone, not src/views' door: that also exports the partner center's page routes, which load express
// and every page's capability, none of which a command renders with.
import { createViews } from '../../views/views.js';
import type { Views } from '../../common/index.js';
import type { CredentialsDeps } from '../../accounts/index.js';
import type { MigrationDeps } from '../../../migration/index.js';
import type { Output } from './output.js';
import { behindMessage, schemaStatus } from './schema-status.js';

export interface CliRuntime {
  config: Config;
  logger: Logger;
  out: Output;
  store(): Promise<Store>;
  views(): Views;
  mail(): MailTransport;
  /** True when emails really leave (an SMTP server is configured, or a transport was injected). */
  canSend(): boolean;
  credentialsDeps(): Promise<CredentialsDeps>;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  /** Tests and the migration bench inject these instead of opening their own. */
  store?: Store;
  mail?: MailTransport;
  now?: () => number;
  /** Migrations: the Ontraport import, the legacy WordPress site and the host check's HTTP client. */
  importPartners?: MigrationDeps['importPartners'];
  wordpress?: MigrationDeps['wordpress'];
  httpGet?: MigrationDeps['httpGet'];
}

/** The store exactly as it is: not migrated (`config check` reports where its schema stands). */
export async function openStoreAsIs(rt: Pick<CliRuntime, 'config'>, overrides: RuntimeOverrides = {}): Promise<{ store: Store; close(): Promise<void> }> {
  const store = overrides.store ?? (await openStore(rt.config.store));
  return { store, close: async () => (overrides.store ? undefined : store.close()) };
}

export function createRuntime(out: Output, overrides: RuntimeOverrides = {}, mode: { readOnly?: boolean } = {}): CliRuntime {
  const config = loadConfig(overrides.env ?? process.env);
  // Logs go to stderr so that stdout stays the command's result (and valid JSON with --json).
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  let store: Promise<Store> | undefined;
  let views: Views | undefined;
  let mail: MailTransport | undefined = overrides.mail;
  const ownsStore = !overrides.store;
  const ownsMail = !overrides.mail;
  const runtime: CliRuntime = {
    config,
    logger,
    out,
    store() {
      store ??= (async () => {
        const s = overrides.store ?? (await openStore(config.store).catch(unreachable));
        if (!mode.readOnly) {
          await migrateToLatest(s.db, s.kind).catch(unreachable);
          return s;
        }
        const status = await schemaStatus(s).catch(unreachable);
        if (status.unknown.length || status.pending.length) {
          if (!overrides.store) await s.close();
          const why = status.unknown.length ? `the store was written by a newer Partnergate (schema ${status.unknown.at(-1)})` : `${behindMessage(status.pending.length)} first`;
          throw new SchemaError(`${why}; a dry run changes nothing, not even the schema`);
        }
        return s;
      })();
      return store;
    },
    views() {
      views ??= createViews({ brand: { name: config.brandName, logoUrl: config.brandLogoUrl, primaryColor: config.brandPrimaryColor }, themeDir: config.themeDir });
      return views;
    },
    mail() {
      if (!mail) {
        mail = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger, pool: poolOptionsOf(config) });
      }
      return mail;
    },
    canSend() {
      return Boolean(config.smtpUrl || overrides.mail);
    },
    async credentialsDeps() {
      return { db: (await runtime.store()).db, config, views: runtime.views(), mail: runtime.mail(), logger, now: overrides.now };
    },
    async close() {
      if (mail && ownsMail) mail.close();
      if (store && ownsStore) await (await store.catch(() => undefined))?.close();
    },
  };
  return runtime;
}

/** Opening or reading the store's schema failed: coded as the store's (exit 3), whatever the driver threw. */
function unreachable(err: unknown): never {
  if (err instanceof AppError) throw err;
  throw new StoreError(`cannot open the store: ${(err as Error).message ?? String(err)}`, { cause: err });
}
