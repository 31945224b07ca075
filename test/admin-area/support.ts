/**
 * For the admin-area tests: one gateway per store with the partner-center fixture and a signed-in administrator
 * before each test, and an administrator's session as a completed sign-in (password and TOTP) opens it.
 */
import request from 'supertest';
import type { GatewayOptions } from '../../src/gateway.js';
import type { Store } from '../../src/store/index.js';
import { csrfTokenFor, openSession } from '../../src/auth/sessions.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { clearTables } from '../support/store.js';
import { seedPartnerCenter, type Fixture } from '../web/fixture.js';

export interface AdminSession {
  accountId: number;
  cookie: string;
  csrfToken: string;
}

/** An enrolled administrator, signed in with both factors. */
export async function adminSession(tg: TestGateway, email = 'ops@example.test'): Promise<AdminSession> {
  const { db } = tg.gateway.deps.store;
  let account = await db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirst();
  account ??= await db
    .insertInto('accounts')
    .values({ partner_id: null, email, role: 'admin', password_hash: null, totp_secret: null, totp_enabled: 1, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { cookieValue, session } = await openSession(db, tg.gateway.deps.sessionPolicy, { accountId: account.id, method: 'password' });
  return { accountId: account.id, cookie: `${tg.gateway.deps.cookies.session}=${cookieValue}`, csrfToken: csrfTokenFor(session) };
}

export function paypalResultFor(massPayCsv: string, status = 'Completed'): string {
  const lines = massPayCsv.trim().split(/\r?\n/).map((l) => l.split(','));
  return ['Recipient,Amount,Currency,Status,Transaction ID,Unique ID', ...lines.map(([email, amount, currency, id], i) => `${email},${amount},${currency},${status},TX${i + 1},${id}`)].join('\r\n');
}

export interface AdminAreaContext {
  tg: TestGateway;
  fx: Fixture;
  admin: AdminSession;
  /** A GET as the administrator. */
  get(path: string): request.Test;
  /** A form POST as the administrator, with its CSRF token (`form` may override `_csrf`). */
  post(path: string, form?: Record<string, string>): request.Test;
}

/** Inside `forEachStore`: the gateway (started once), and before each test an empty store, the fixture, an admin. */
export function adminAreaGateway(ctx: { readonly store: Store }, env: Record<string, string> = {}, opts: Omit<GatewayOptions, 'store'> = {}): AdminAreaContext {
  const t = {
    get: (path: string) => request(t.tg.url).get(path).set('Cookie', t.admin.cookie),
    post: (path: string, form: Record<string, string> = {}) => request(t.tg.url).post(path).set('Cookie', t.admin.cookie).set('Origin', t.tg.url).type('form').send({ _csrf: t.admin.csrfToken, ...form }),
  } as AdminAreaContext;
  before(async () => {
    t.tg = await startTestGateway(ctx.store, env, opts);
  });
  after(async () => {
    await t.tg?.close();
  });
  beforeEach(async () => {
    await clearTables(ctx.store);
    t.fx = await seedPartnerCenter(ctx.store);
    t.admin = await adminSession(t.tg);
  });
  return t;
}
