/**
 * Starts the gateway: load config, open and migrate the store, seed demo data when empty (development), build
 * the app, listen, and shut down cleanly on SIGINT/SIGTERM (in-flight requests finish, store closed).
 * Start-up problems print one line naming what is wrong and exit non-zero.
 */
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './common/index.js';
import { createGateway } from './gateway.js';
import { SchemaError, StoreError } from './store/index.js';
import { seedIfEmpty, DEMO_LOGIN } from './demo/index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`partnergate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.wpShimSecretGenerated && config.upstreamUrl) {
    logger.warn('PARTNERGATE_WP_SHIM_SECRET is not set: a random one was generated for this run, so the WordPress hand-off only works with a wp-shim configured with it');
  }
  let gateway;
  try {
    gateway = await createGateway(config, { logger });
  } catch (err) {
    if (err instanceof StoreError || err instanceof SchemaError) {
      process.stderr.write(`partnergate: store: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  let demo = false;
  if (config.demoData === 'auto' && config.environment !== 'production') {
    demo = await seedIfEmpty(gateway.deps.store, logger);
  }
  let port: number;
  try {
    ({ port } = await gateway.http.listen());
  } catch (err) {
    process.stderr.write(`partnergate: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await gateway.close();
    process.exit(4);
  }
  logger.info({ port, store: config.store.kind, upstream: config.upstreamUrl ?? null }, 'partnergate listening');
  const origin = config.publicUrl.replace(/:8080$/, port === 8080 ? ':8080' : `:${port}`);
  process.stdout.write(
    `\nPartnergate is running on ${origin}\n` +
      `  Partner center: ${origin}/partner-center/\n` +
      (demo || config.demoData === 'auto' ? `  Demo partner sign-in: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}  (at ${origin}/sso/sign-in)\n` : '') +
      `  Store: ${config.store.kind === 'sqlite' ? config.store.path : 'PostgreSQL'}; upstream WordPress: ${config.upstreamUrl ?? 'none (set PARTNERGATE_UPSTREAM_URL)'}\n` +
      `  Stop with Ctrl-C.\n\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await gateway.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`partnergate: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
