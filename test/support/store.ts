/**
 * The shared store context for tests: `forEachStore` runs a block of tests once on SQLite and once on
 * PostgreSQL, each on a fresh, migrated store; `clearTables` empties every table between tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest, openStore, type Store, type StoreConfig, type StoreKind } from '../../src/store/index.js';
import { startPostgres, type PostgresServer } from './postgres.js';

let server: Promise<PostgresServer> | undefined;

/** The suite's PostgreSQL server, started on first use and stopped when mocha ends. */
export function sharedPostgres(): Promise<PostgresServer> {
  server ??= startPostgres();
  return server;
}

export async function stopSharedPostgres(): Promise<void> {
  if (server) await (await server).stop();
  server = undefined;
}

export interface TestStore {
  store: Store;
  config: StoreConfig;
  dispose(): Promise<void>;
}

/** A fresh, migrated, empty store of the given kind. */
export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  let config: StoreConfig;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'partnergate-sqlite-'));
    config = { kind: 'sqlite', path: join(dir, 'test.sqlite') };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const url = process.env.PARTNERGATE_TEST_DATABASE_URL;
    const pgServer = url ? undefined : await sharedPostgres();
    const dbUrl = pgServer ? await pgServer.createDatabase() : url!;
    config = { kind: 'postgres', url: dbUrl };
    cleanup = async () => {
      if (pgServer) await pgServer.dropDatabase(dbUrl);
    };
  }
  const store = await openStore(config);
  await migrateToLatest(store.db, kind);
  return {
    store,
    config,
    async dispose() {
      await store.close();
      await cleanup();
    },
  };
}

export const storeKinds: StoreKind[] = (process.env.PARTNERGATE_TEST_STORES ?? 'sqlite,postgres').split(',') as StoreKind[];

/**
 * Runs `body` once per store kind inside `describe("<title> [sqlite]")`. `ctx.store` is a fresh store for the block.
 */
export function forEachStore(title: string, body: (ctx: { readonly store: Store; readonly kind: StoreKind; readonly config: StoreConfig }) => void): void {
  for (const kind of storeKinds) {
    describe(`${title} [${kind}]`, function () {
      this.timeout(60_000);
      let ts: TestStore | undefined;
      const ctx = {
        get store() {
          if (!ts) throw new Error('store not ready');
          return ts.store;
        },
        get config() {
          return ts!.config;
        },
        kind,
      };
      before(async () => {
        ts = await createTestStore(kind);
      });
      after(async () => {
        await ts?.dispose();
      });
      body(ctx);
    });
  }
}

// Every table the migrations create (test/store/store.test.ts checks this list against the schema).
export const tablesInDeleteOrder = [
  'rollup_values', 'rollup_snapshots', 'tier_upgrades', 'partner_sub_ids', 'legacy_wp_users',
  'kv', 'migration_journal', 'job_leases', 'sync_state', 'ontraport_outbox', 'email_outbox', 'audit_log', 'throttle',
  'api_keys', 'partner_erasures', 'one_time_tokens', 'sessions', 'accounts', 'visits', 'promo_tools', 'open_orders', 'partner_events', 'notification_prefs',
  'masspay_items', 'masspay_batches', 'commissions', 'payouts', 'purchases', 'products', 'partners', 'contacts', 'programs',
];

export async function clearTables(store: Store): Promise<void> {
  for (const t of tablesInDeleteOrder) await sql`delete from ${sql.table(t)}`.execute(store.db);
}
