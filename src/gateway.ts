/**
 * Assembles a whole gateway from a validated configuration: store (migrated), views, mail, metrics, the
 * express app, the proxy and the HTTP server. `main.ts` calls it for production; tests call it to get a real
 * gateway in-process (two of them on one store for the shared-session test).
 */
import { createLogger, type Logger } from './common/index.js';
import type { Config } from './config/index.js';
import type { GatewayDeps } from './deps.js';
import { createApp, type AppOptions } from './app.js';
import { sessionPolicyFrom } from './auth/sessions.js';
import { authCsrfExempt, createAccessRules, createOidcService, type OidcService } from './auth/index.js';
import { createMailTransport, poolOptionsOf, type MailTransport } from './mail/index.js';
import { startBackgroundJobs, type JobOptions } from './jobs/index.js';
import { createUpstreamProxy } from './proxy/index.js';
import { createGatewayServer, type GatewayServer } from './server.js';
import { migrateToLatest, openStore, type Store } from './store/index.js';
import { createClickRecorder, type ClickRecorder } from './tracking/index.js';
import { createMetrics } from './http/index.js';
import { cookieNames } from './http/index.js';
import { createViews } from './views/index.js';
import { cataloguesFor, useCatalogues } from './i18n/index.js';
import { createActiveBlocks, loadBlocksConfig } from './blocks/index.js';
import { createExportSlots } from './reports/index.js';

export interface Gateway {
  deps: GatewayDeps;
  http: GatewayServer;
  /** The click recorder when proxying with click tracking on; tests flush it instead of waiting for its timer. */
  clicks?: ClickRecorder;
  /** The gateway's one OpenID Connect service (shared by its sign-in routes and access rules). */
  oidc: OidcService;
  close(): Promise<void>;
}

export interface GatewayOptions extends AppOptions {
  logger?: Logger;
  /** An already-open store (tests share one); otherwise opened from config and closed on close(). */
  store?: Store;
  mail?: MailTransport;
  now?: () => number;
  /** Run the outbox senders and the sync schedule in this process (main.ts does; tests drive them by hand). */
  backgroundJobs?: boolean | JobOptions;
}

export async function createGateway(config: Config, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Message catalogues are checked before the store opens: a bad one stops start-up naming its file and key.
  const i18n = cataloguesFor(config.themeDir);
  useCatalogues(i18n);
  const ownsStore = !opts.store;
  const store = opts.store ?? (await openStore(config.store));
  try {
    await migrateToLatest(store.db, store.kind);
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
  const views = createViews({
    brand: { name: config.brandName, logoUrl: config.brandLogoUrl, primaryColor: config.brandPrimaryColor },
    themeDir: config.themeDir,
    i18n,
  });
  const deps: GatewayDeps = {
    config,
    store,
    logger,
    views,
    mail: opts.mail ?? createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger, pool: poolOptionsOf(config) }),
    sessionPolicy: sessionPolicyFrom(config),
    cookies: cookieNames(config.cookieSecure),
    metrics: createMetrics(),
    blocks: createActiveBlocks(loadBlocksConfig(config.blocksConfig)),
    exportSlots: createExportSlots(),
    now: opts.now ?? Date.now,
  };
  const oidc = createOidcService(deps);
  const app = createApp(deps, { accessRules: createAccessRules(deps, oidc), csrfExempt: [...authCsrfExempt], ...opts, oidc });
  const clicks =
    config.upstreamUrl && config.trackClicks
      ? createClickRecorder({
          db: store.db,
          dataKey: config.dataKeys.current.key,
          logger,
          now: deps.now,
          cookieSecure: config.cookieSecure,
          cookieDays: config.trackCookieDays,
          queueMax: config.trackQueueMax,
          flushMs: config.trackFlushMs,
        })
      : undefined;
  const proxy = config.upstreamUrl
    ? createUpstreamProxy(deps, {
        clicks,
        errorPage: (status, locale) => views.page('upstream-error', { title: i18n.t(locale, status === 504 ? 'errors:upstream.title504' : 'errors:upstream.title502'), status, locale }, 'layouts/bare'),
        locales: i18n.languages,
        negotiate: (header) => i18n.negotiate(header),
        refusalPage: (status, message) => views.page('error', { title: status === 413 ? 'Upload too large' : 'Bad request', status, message }, 'layouts/bare'),
      })
    : undefined;
  const http = createGatewayServer(deps, app, proxy);
  const jobs = opts.backgroundJobs ? startBackgroundJobs(deps, opts.backgroundJobs === true ? {} : opts.backgroundJobs) : undefined;
  return {
    deps,
    http,
    clicks,
    oidc,
    async close() {
      await http.close(5_000);
      await clicks?.stop();
      await jobs?.stop();
      deps.mail.close();
      if (ownsStore) await store.close();
    },
  };
}
