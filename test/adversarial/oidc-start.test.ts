/**
 * `/sso/oidc/start` cannot grow the store: anyone may start a sign-in as often as they like (no session, no
 * CSRF token needed for a GET), so a start must write nothing. The pending sign-in rides sealed in the browser's
 * cookie; an invented, tampered, foreign-key or expired cookie is refused like a missing one.
 */
import { sql } from 'kysely';
import { createSecretBox } from '../../src/auth/secret-box.js';
import { dataKey } from '../../src/common/sealed.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieBrowser, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { clearTables, forEachStore, tablesInDeleteOrder } from '../support/store.js';
import { seedPartner, sessionInfo } from '../auth/support/fixtures.js';
import { expectAllHeld, mapLimit, type CaseResult } from './support.js';

const CLASS = 'store growth (OIDC start)';
const CLIENT_ID = 'partnergate-start';
const CLIENT_SECRET = 'partnergate-start-client-secret-0123456789';

forEachStore('adversarial: OIDC start', (ctx) => {
  let op: TestOidcProvider;
  let tg: TestGateway;
  let clock = 0;
  before(async () => {
    op = await startOidcProvider();
    tg = await startTestGateway(ctx.store, { PARTNERGATE_OIDC_ISSUER: op.issuer, PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID, PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET }, { now: () => Date.now() + clock });
    op.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${tg.url}/sso/oidc/callback` });
    op.addUser({ sub: 'u-start', email: 'start@example.test' });
  });
  after(async () => {
    await tg?.close();
    await op?.close();
  });
  beforeEach(async () => {
    clock = 0;
    await clearTables(ctx.store);
  });

  const rowCount = async () => {
    let total = 0;
    for (const t of tablesInDeleteOrder) total += Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(ctx.store.db)).rows[0]!.n);
    return total;
  };

  it('300 starts (long rd included) write no row; a real sign-in still works', async () => {
    await seedPartner(ctx.store, { email: 'start@example.test' });
    const before = await rowCount();
    const statuses = await mapLimit(Array.from({ length: 300 }, (_x, i) => i), 8, async (i) => {
      const rd = i % 3 === 0 ? `/partner-center/${'x'.repeat(5000)}` : `/partner-center/${i}`;
      const res = await fetch(`${tg.url}/sso/oidc/start?rd=${encodeURIComponent(rd)}`, { redirect: 'manual' });
      await res.arrayBuffer();
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pg_oidc=')) ?? '';
      return { status: res.status, cookieLength: cookie.length };
    });
    const after = await rowCount();
    const browser = new CookieBrowser();
    await op.login(browser, `${tg.url}/sso/oidc/start`, 'u-start');
    const info = await sessionInfo(browser, tg.url);
    expectAllHeld(CLASS, [
      { name: '300 starts answered', held: statuses.every((s) => s.status === 303), why: [...new Set(statuses.map((s) => s.status))].join(',') },
      { name: '300 starts wrote no row', held: after === before, why: `${before} rows before, ${after} after` },
      { name: 'state cookie stays small (long rd dropped)', held: statuses.every((s) => s.cookieLength > 0 && s.cookieLength < 2048), why: String(Math.max(...statuses.map((s) => s.cookieLength))) },
      { name: 'a real sign-in still works', held: info.status === 200, why: `status ${info.status}` },
    ]);
  });

  it('an invented, tampered, foreign-key or expired pending cookie is refused', async () => {
    await seedPartner(ctx.store, { email: 'start@example.test' });
    const results: CaseResult[] = [];
    const attempt = async (name: string, mutate: (handle: string) => string, advance = 0) => {
      const b = new CookieBrowser();
      const stop = await op.login(b, `${tg.url}/sso/oidc/start`, 'u-start', { stopBeforeLeaving: true });
      b.setCookie(tg.url, 'pg_oidc', mutate(b.cookie(tg.url, 'pg_oidc')!));
      clock = advance;
      const res = await b.request('GET', stop.location!);
      clock = 0;
      results.push({ name: `pending cookie ${name}: refused`, held: res.status === 400 && b.cookie(tg.url, 'pg_session') === undefined, why: `status ${res.status}` });
    };
    const flip = (h: string) => h.slice(0, -3) + (h.at(-3) === 'A' ? 'B' : 'A') + h.slice(-2);
    await attempt('invented', () => 'not-a-real-handle');
    await attempt('in clear', () => JSON.stringify({ state: 'x', nonce: 'y', verifier: 'z', redirectUri: `${tg.url}/sso/oidc/callback`, exp: Date.now() + 60_000 }));
    await attempt('tampered', flip);
    await attempt('sealed with another key', () => createSecretBox({ current: dataKey(Buffer.alloc(32, 7)) }).seal('{"exp":99999999999999}', 'oidc-pending-sign-in'));
    await attempt('expired', (h) => h, 11 * 60_000);
    expectAllHeld(CLASS, results);
  });
});
