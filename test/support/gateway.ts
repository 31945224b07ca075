/**
 * A real gateway in-process for tests: `startTestGateway` builds it from a config (environment-style keys, as
 * a deployer would set them) on a given store and listens on a free loopback port. `signInAs` opens a session
 * for a partner the way a sign-in does and returns the cookie and CSRF token to send.
 */
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/common/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { csrfTokenFor, openSession } from '../../src/auth/sessions.js';
import type { Store } from '../../src/store/index.js';

export interface TestGateway {
  gateway: Gateway;
  config: Config;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startTestGateway(store: Store, env: Record<string, string> = {}, opts: Omit<GatewayOptions, 'store'> = {}): Promise<TestGateway> {
  const config = loadConfig({
    PARTNERGATE_PORT: '0',
    PARTNERGATE_HOST: '127.0.0.1',
    PARTNERGATE_LOG_LEVEL: process.env.PARTNERGATE_TEST_LOG_LEVEL ?? 'silent',
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_DEMO_DATA: 'off',
    ...env,
  });
  const gateway = await createGateway(config, { logger: createLogger(config.logLevel), ...opts, store });
  const { port } = await gateway.http.listen();
  // Links and origins must match the port we actually got.
  if (!env.PARTNERGATE_PUBLIC_URL) (gateway.deps.config as { publicUrl: string }).publicUrl = `http://127.0.0.1:${port}`;
  return { gateway, config: gateway.deps.config, url: `http://127.0.0.1:${port}`, port, close: () => gateway.close() };
}

export interface SignedIn {
  accountId: number;
  /** Value for a `Cookie` request header. */
  cookie: string;
  csrfToken: string;
  cookieValue: string;
}

/** Opens a session for the partner's account (creating the account when missing), as a successful sign-in would. */
export async function signInAs(tg: TestGateway | Gateway, partnerId: number, opts: { email?: string } = {}): Promise<SignedIn> {
  const gw = 'gateway' in tg ? tg.gateway : tg;
  const { db } = gw.deps.store;
  let account = await db.selectFrom('accounts').select('id').where('partner_id', '=', partnerId).executeTakeFirst();
  if (!account) {
    account = await db
      .insertInto('accounts')
      .values({ partner_id: partnerId, email: opts.email ?? `partner${partnerId}@test.invalid`, role: 'partner', password_hash: null, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
  }
  const { cookieValue, session } = await openSession(db, gw.deps.sessionPolicy, { accountId: account.id, method: 'password' });
  return { accountId: account.id, cookie: `${gw.deps.cookies.session}=${cookieValue}`, cookieValue, csrfToken: csrfTokenFor(session) };
}

/** A {@link TestGateway} that exists from the `before` hook on (each property reads the running gateway). */
export interface UseTestGateway extends TestGateway {
  /** Signs a partner in on this gateway (see {@link signInAs}). */
  signIn(partnerId: number, opts?: { email?: string }): Promise<SignedIn>;
}

/**
 * The set-up most gateway tests write by hand, once: registers a mocha `before` that starts a gateway on
 * `store()` (read when the hook runs, so a `forEachStore` context works) with `env`, and an `after` that
 * closes it. Call it inside `describe`, before the hooks that use the gateway.
 */
export function useTestGateway(store: () => Store, env: Record<string, string> | (() => Record<string, string>) = {}, opts: Omit<GatewayOptions, 'store'> = {}): UseTestGateway {
  let running: TestGateway | undefined;
  before(async () => {
    running = await startTestGateway(store(), typeof env === 'function' ? env() : env, opts);
  });
  after(async () => {
    await running?.close();
    running = undefined;
  });
  const tg = () => {
    if (!running) throw new Error('useTestGateway: the gateway is not running (used outside the before/after hooks?)');
    return running;
  };
  return {
    get gateway() {
      return tg().gateway;
    },
    get config() {
      return tg().config;
    },
    get url() {
      return tg().url;
    },
    get port() {
      return tg().port;
    },
    close: () => tg().close(),
    signIn: (partnerId, signInOpts) => signInAs(tg(), partnerId, signInOpts),
  };
}
