/**
 * CSRF on every state-changing route, read from the routers (sign-in capability under /sso; partner center
 * pages, exports and blocks under /partner-center), so a route added later is attacked too. Each route gets a
 * body that would change something (right password, live reset/confirmation tokens), then is sent without a
 * token, with another session's (or another browser's) token, with the token only in the query, as text/plain,
 * and cross-origin (Origin evil, look-alike origins, Origin null, an evil Referer without Origin) even with the
 * right token. Every attempt must be refused and leave the store exactly as it was. Positive controls prove the
 * same requests, sent properly, are accepted (so "refused" is the CSRF check, not a broken body).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createAuthRouter } from '../../src/auth/index.js';
import { issueSetPasswordToken } from '../../src/accounts/index.js';
import { issueToken } from '../../src/accounts/index.js';
import { createBlocksRouter } from '../../src/blocks/index.js';
import { createReportsRouter } from '../../src/reports/index.js';
import { createPartnerCenterRouter } from '../../src/views/partner-center.js';
import type { Store } from '../../src/store/index.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { routesOf } from '../support/routes.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'CSRF';
/** Server-to-server by design (a signed logout token is its protection): attacked separately below. */
const EXEMPT = ['/sso/oidc/backchannel-logout'];
/** The two messages of the CSRF check (auth.csrf_failed): cross-origin, and missing or wrong token. */
const CSRF_REFUSAL = /This form was sent from another site|The form expired or was not sent from this site/;

/** Everything a refused request must leave untouched (session rows by id; their "last seen" may move). */
async function snapshot(store: Store): Promise<string> {
  const db = store.db;
  const q = async (table: string, order = 'id') => (await sql`select * from ${sql.table(table)} order by ${sql.ref(order)}`.execute(db)).rows;
  const sessions = await db.selectFrom('sessions').select(['id_hash', 'account_id', 'reauth_at', 'totp_pending']).orderBy('id_hash').execute();
  return JSON.stringify({
    accounts: await q('accounts'), partners: await q('partners'), tokens: await q('one_time_tokens'), outbox: await q('email_outbox'),
    ontraport: await q('ontraport_outbox'), audit: await q('audit_log'), sessions,
  });
}

interface Target {
  path: string;
  /** The form that would change something when sent properly. */
  body: (s: Ctx) => Record<string, string>;
  /** Signed-out form (double-submit pre-session token) rather than a session's. */
  signedOut?: boolean;
}

interface Ctx {
  fx: TwoPartners;
  resetToken: string;
  setToken: string;
  paypalToken: string;
  emailToken: string;
}

/** Bodies for the routes known today; an unknown route gets an empty body (it must still be refused). */
const bodies: Record<string, Omit<Target, 'path'>> = {
  '/sso/sign-in': { signedOut: true, body: (c) => ({ email: c.fx.a.email, password: c.fx.a.password }) },
  '/sso/forgot': { signedOut: true, body: (c) => ({ email: c.fx.a.email }) },
  '/sso/reset': { signedOut: true, body: (c) => ({ token: c.resetToken, new_password: 'an attacker password 1', new_password_confirm: 'an attacker password 1' }) },
  '/sso/set-password': { signedOut: true, body: (c) => ({ token: c.setToken, new_password: 'an attacker password 2', new_password_confirm: 'an attacker password 2' }) },
  '/sso/sign-out': { body: () => ({}) },
  '/sso/password': { body: (c) => ({ current_password: c.fx.a.password, new_password: 'an attacker password 3', new_password_confirm: 'an attacker password 3' }) },
  '/sso/confirm': { body: (c) => ({ password: c.fx.a.password }) },
  '/sso/two-factor': { body: () => ({ code: '123456' }) },
  '/sso/two-factor/setup': { body: () => ({ code: '123456' }) },
  '/sso/two-factor/disable': { body: () => ({ code: '123456' }) },
  '/partner-center/settings/paypal': { body: (c) => ({ paypal_email: 'attacker.paypal@evil.example', current_password: c.fx.a.password }) },
  '/partner-center/settings/paypal/confirm': { body: (c) => ({ token: c.paypalToken }) },
  '/partner-center/settings/email': { body: (c) => ({ login_email: 'attacker@evil.example', current_password: c.fx.a.password }) },
  '/partner-center/settings/email/confirm': { body: (c) => ({ token: c.emailToken }) },
  '/partner-center/settings/time-zone': { body: () => ({ time_zone: 'Pacific/Chatham' }) },
};

describe('adversarial: CSRF on every state-changing route', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let tg: TestGateway;
  let c: Ctx;
  let targets: Target[];
  let a: SignedIn;
  let bToken: string;

  /** A fresh signed-out browser: its pre-session cookie and the matching form token. */
  async function preSession(): Promise<{ cookie: string; token: string }> {
    const res = await fetch(`${tg.url}/sso/sign-in`);
    const cookie = res.headers.getSetCookie().find((x) => x.startsWith('pg_csrf='))!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    return { cookie, token };
  }

  async function post(path: string, o: { cookie?: string; form?: Record<string, string>; headers?: Record<string, string>; raw?: string; query?: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(o.cookie ? { cookie: o.cookie } : {}), ...o.headers };
    const res = await fetch(`${tg.url}${path}${o.query ?? ''}`, { method: 'POST', redirect: 'manual', headers, body: o.raw ?? new URLSearchParams(o.form ?? {}).toString() });
    const text = await res.text();
    return { status: res.status, text };
  }

  before(async () => {
    ts = await createTestStore('sqlite');
    const fx = await seedTwoPartners(ts.store);
    tg = await startTestGateway(ts.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '1000', PARTNERGATE_LOGIN_MAX_PER_IP: '100000' });
    a = await signInAs(tg, fx.a.partnerId);
    bToken = (await signInAs(tg, fx.b.partnerId)).csrfToken;
    const now = Date.now();
    const resetToken = (await issueToken(ts.store.db, { purpose: 'reset_password', accountId: fx.a.accountId, ttlMs: 3_600_000, now })).raw;
    const setToken = await issueSetPasswordToken(ts.store.db, fx.a.accountId, 3_600_000, now);
    const payload = (newValue: string) => ({ partnerId: fx.a.partnerId, newValue });
    const paypalToken = (await issueToken(ts.store.db, { purpose: 'paypal_confirm', accountId: fx.a.accountId, ttlMs: 3_600_000, payload: payload('attacker.paypal@evil.example'), now })).raw;
    const emailToken = (await issueToken(ts.store.db, { purpose: 'email_confirm', accountId: fx.a.accountId, ttlMs: 3_600_000, payload: payload('attacker@evil.example'), now })).raw;
    c = { fx, resetToken, setToken, paypalToken, emailToken };

    const deps = tg.gateway.deps;
    const unsafe = (r: { method: string }) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method);
    const found = [
      ...routesOf(createAuthRouter(deps, tg.gateway.oidc), '/sso'),
      ...[createReportsRouter(deps), createBlocksRouter(deps), createPartnerCenterRouter(deps)].flatMap((r) => routesOf(r, '/partner-center')),
    ].filter(unsafe);
    targets = [...new Set(found.map((r) => r.path))].filter((p) => !EXEMPT.includes(p)).map((path) => ({ path, ...(bodies[path] ?? { body: () => ({}) }) }));
  });
  after(async () => {
    await tg?.close();
    await ts?.dispose();
  });

  it('finds every POST route of the sign-in capability and the partner center (and only the back-channel logout is exempt)', () => {
    const paths = targets.map((t) => t.path);
    for (const known of Object.keys(bodies)) expect(paths, known).to.include(known);
    expect(paths.length).to.be.at.least(Object.keys(bodies).length);
  });

  it('refuses every route without a token, with another session\'s token, cross-origin (even with the right token): store unchanged', async () => {
    const results: CaseResult[] = [];
    const origin = { origin: tg.url };
    for (const t of targets) {
      const body = t.body(c);
      const victim = t.signedOut ? await preSession() : { cookie: a.cookie, token: a.csrfToken };
      const stranger = t.signedOut ? (await preSession()).token : bToken;
      const self = new URL(tg.url);
      const attacks: Array<[string, Parameters<typeof post>[1]]> = [
        ['no token', { cookie: victim.cookie, form: body, headers: origin }],
        ['no token, no Origin/Referer', { cookie: victim.cookie, form: body }],
        ['empty token', { cookie: victim.cookie, form: { ...body, _csrf: '' }, headers: origin }],
        [t.signedOut ? 'another browser\'s pre-session token' : 'another session\'s token', { cookie: victim.cookie, form: { ...body, _csrf: stranger }, headers: origin }],
        ['another session\'s token in X-CSRF-Token', { cookie: victim.cookie, form: body, headers: { ...origin, 'x-csrf-token': stranger } }],
        ['token only in the query', { cookie: victim.cookie, form: body, headers: origin, query: `?_csrf=${encodeURIComponent(victim.token)}` }],
        ['text/plain body (no preflight)', { cookie: victim.cookie, raw: new URLSearchParams({ ...body, _csrf: victim.token }).toString(), headers: { ...origin, 'content-type': 'text/plain' } }],
        ['Origin https://evil.example, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { origin: 'https://evil.example' } }],
        ['Origin null, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { origin: 'null' } }],
        ['look-alike Origin (suffix), right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { origin: `${tg.url}.evil.example` } }],
        ['same host, other port, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { origin: `http://${self.hostname}:${Number(self.port) + 1}` } }],
        ['same host over https, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { origin: `https://${self.host}` } }],
        ['evil Referer without Origin, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { referer: `https://evil.example${t.path}` } }],
        ['unparsable Referer, right token', { cookie: victim.cookie, form: { ...body, _csrf: victim.token }, headers: { referer: 'not a url' } }],
        ['JSON body cross-origin, right token', { cookie: victim.cookie, raw: JSON.stringify({ ...body, _csrf: victim.token }), headers: { origin: 'https://evil.example', 'content-type': 'application/json' } }],
      ];
      for (const [name, req] of attacks) {
        const before = await snapshot(ts.store);
        const res = await post(t.path, req);
        // Forgot-password does its work after the reply: give it the moment it would need.
        if (t.path === '/sso/forgot') await new Promise((r) => setTimeout(r, 50));
        const after = await snapshot(ts.store);
        const refused = res.status === 403 && CSRF_REFUSAL.test(res.text);
        results.push({ name: `${t.path}: ${name}`, held: refused && before === after, why: `status ${res.status}${before === after ? '' : ', store changed'}` });
      }
    }
    expectAllHeld(CLASS, results);
  });

  it('the exempt back-channel logout, posted cross-origin with no or a forged logout token, ends no session', async () => {
    const results: CaseResult[] = [];
    const forged = ['', 'x', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sid":"x","sub":"u"}').toString('base64url')}.sig`];
    for (const token of forged) {
      const before = await snapshot(ts.store);
      const res = await post('/sso/oidc/backchannel-logout', { form: { logout_token: token }, headers: { origin: 'https://evil.example' } });
      results.push({ name: `back-channel logout, token ${JSON.stringify(token.slice(0, 20))}`, held: res.status >= 400 && res.status < 500 && before === (await snapshot(ts.store)), why: `status ${res.status}` });
    }
    expectAllHeld(CLASS, results);
  });

  it('positive controls: sent properly, the same requests pass the CSRF check (and change the store)', async () => {
    const tz = await post('/partner-center/settings/time-zone', { cookie: a.cookie, form: { time_zone: 'Pacific/Chatham', _csrf: a.csrfToken }, headers: { origin: tg.url } });
    expect(tz.status).to.equal(303);
    expect((await ts.store.db.selectFrom('partners').select('time_zone').where('id', '=', c.fx.a.partnerId).executeTakeFirstOrThrow()).time_zone).to.equal('Pacific/Chatham');
    const pre = await preSession();
    const signIn = await post('/sso/sign-in', { cookie: pre.cookie, form: { email: c.fx.a.email, password: c.fx.a.password, _csrf: pre.token }, headers: { origin: tg.url } });
    expect(signIn.status).to.equal(303);
    // Referer alone (no Origin, as some browsers send on same-origin POSTs) from the gateway itself is accepted.
    const viaReferer = await post('/partner-center/settings/time-zone', { cookie: a.cookie, form: { time_zone: 'UTC', _csrf: a.csrfToken }, headers: { referer: `${tg.url}/partner-center/settings` } });
    expect(viaReferer.status).to.equal(303);
    for (const t of targets) {
      const victim = t.signedOut ? await preSession() : await signInAs(tg, c.fx.a.partnerId).then((s) => ({ cookie: s.cookie, token: s.csrfToken }));
      const res = await post(t.path, { cookie: victim.cookie, form: { ...t.body(c), _csrf: victim.token }, headers: { origin: tg.url } });
      expect(CSRF_REFUSAL.test(res.text), `${t.path} refused by the CSRF check although sent properly (${res.status})`).to.equal(false);
    }
  });
});
