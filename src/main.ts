/**
 * Starts the gateway: load config, open and migrate the store, seed demo data when empty (asked for, or `auto` on a
 * localhost URL outside production: see config `seedDemoData`), build
 * the app, listen, and shut down cleanly on SIGINT/SIGTERM (in-flight requests finish, store closed).
 * With PARTNERGATE_WORKERS > 1 the primary prepares the store once and forks workers that share the port.
 * Start-up problems print one line naming what is wrong and exit non-zero (2 config or message catalogues, 3 store,
 * 4 listen).
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createLogger, loadModule, type Logger } from './common/index.js';
import { createGateway } from './gateway.js';
import { migrateToLatest, openStore, SchemaError, StoreError } from './store/index.js';
import { BlocksConfigError } from './blocks/index.js';
import { serveClusterMetrics } from './http/index.js';
import { CatalogueError, cataloguesFor } from './i18n/index.js';

function fail(code: number, message: string): never {
  process.stderr.write(`partnergate: ${message}\n`);
  process.exit(code);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(2, err.message);
    throw err;
  }
}

/** Reads and checks the message catalogues (shipped and the theme's) before any worker starts. */
function checkCatalogues(config: Config): void {
  try {
    cataloguesFor(config.themeDir);
  } catch (err) {
    if (err instanceof CatalogueError) fail(2, err.message);
    throw err;
  }
}

type DemoLogin = { email: string; password: string };

/** Migrates the store and seeds demo data once, before any worker serves. Returns the demo login when demo data is present. */
async function prepareStore(config: Config, logger: Logger): Promise<DemoLogin | undefined> {
  try {
    const store = await openStore(config.store);
    try {
      await migrateToLatest(store.db, store.kind);
      if (config.seedDemoData) {
        // The generator is loaded only to seed: a gateway serving real data never holds its code.
        const { seedIfEmpty, DEMO_LOGIN } = await loadModule<typeof import('./demo/index.js')>(new URL('./demo/index.js', import.meta.url));
        await seedIfEmpty(store, logger);
        const demo = await store.db.selectFrom('accounts').select('id').where('email', '=', DEMO_LOGIN.email).executeTakeFirst();
        return demo ? DEMO_LOGIN : undefined;
      }
      return undefined;
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof StoreError || err instanceof SchemaError) fail(3, `store: ${err.message}`);
    throw err;
  }
}

/** Serves in this process until SIGINT/SIGTERM. */
async function serve(config: Config, logger: Logger): Promise<number> {
  let gateway;
  try {
    gateway = await createGateway(config, { logger, backgroundJobs: true });
  } catch (err) {
    if (err instanceof StoreError || err instanceof SchemaError) fail(3, `store: ${err.message}`);
    if (err instanceof BlocksConfigError) fail(2, `blocks configuration: ${err.message}`);
    if (err instanceof CatalogueError) fail(2, err.message);
    throw err;
  }
  let port: number;
  try {
    ({ port } = await gateway.http.listen());
  } catch (err) {
    await gateway.close();
    fail(4, `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
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
  return port;
}

function banner(config: Config, port: number, demo: DemoLogin | undefined, workers: number): void {
  const origin = config.publicUrl.startsWith('http://localhost:') && config.port === 0 ? `http://localhost:${port}` : config.publicUrl;
  process.stdout.write(
    `\nPartnergate is running on ${origin}${workers > 1 ? ` (${workers} worker processes)` : ''}\n` +
      `  Partner center: ${origin}/partner-center/\n` +
      (demo ? `  Demo partner:   sign in at ${origin}/sso/sign-in as ${demo.email} / ${demo.password}\n` : '') +
      `  Store: ${config.store.kind === 'sqlite' ? config.store.path : 'PostgreSQL'}; WordPress upstream: ${config.upstreamUrl ?? 'none (set PARTNERGATE_UPSTREAM_URL)'}\n` +
      `  Stop with Ctrl-C.\n\n`,
  );
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;

  if (cluster.isWorker) {
    const port = await serve(config, logger.child({ worker: cluster.worker?.id }));
    process.send?.({ type: 'listening', port });
    return;
  }
  for (const note of config.ignored) logger.info(note);
  if (config.dataKeyDerived) {
    logger.warn('PARTNERGATE_DATA_KEY is not set: secrets at rest are sealed with a key derived from the store location (development only; production requires the setting)');
  }
  if (config.wpShimSecretGenerated && config.upstreamUrl) {
    logger.warn('PARTNERGATE_WP_SHIM_SECRET is not set: a random one was generated for this run; the WordPress hand-off needs the same secret in wp-config.php');
  }
  checkCatalogues(config);
  const demo = await prepareStore(config, logger);
  if (workers <= 1) {
    const port = await serve(config, logger);
    logger.info({ port, store: config.store.kind, upstream: config.upstreamUrl ?? null }, 'partnergate listening');
    banner(config, port, demo, 1);
    return;
  }
  // Workers must sign identity assertions with the same key: pass the (possibly generated) secret down.
  const env = { PARTNERGATE_WP_SHIM_SECRET: config.wpShimSecret };
  serveClusterMetrics();
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork(env);
    worker.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'listening' && ++listening === workers) {
        logger.info({ port: m.port, workers }, 'partnergate listening');
        banner(config, m.port ?? config.port, demo, workers);
      }
    });
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
    cluster.fork(env);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    let left = Object.keys(cluster.workers ?? {}).length;
    if (left === 0) process.exit(0);
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => fail(1, `failed to start: ${(err as Error).message}`));
