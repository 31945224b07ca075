/**
 * Partner API keys: made in settings (CSRF, current password, audited, shown once, stored hashed, capped),
 * used as `Authorization: Bearer` on the JSON reports and exports exactly as the partner's cookie session is
 * scoped, refused on every other route of the app (read from the app's own router), 401 naming the problem
 * for a malformed, unknown or revoked key, rate-limited per key in the store, and never written to the log.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, hashPassword } from '../../src/accounts/index.js';
import { createLogger, sha256 } from '../../src/common/index.js';
import { recordCase } from '../support/adversarial.js';
import { useTestGateway, type SignedIn } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { appRoutes } from './support.js';
import { RANGE, seedReportWorld, type ReportWorld } from '../reports/fixtures.js';

const q = `from=${RANGE.from}&to=${RANGE.to}`;
const B_MARKERS = ['B-ONLY', '42.42', '43.43', '7.77', '77.77'];
const PASSWORD = 'correct horse battery staple';

forEachStore('partner API keys', (ctx) => {
  let world: ReportWorld;
  let a: SignedIn;
  const logLines: string[] = [];
  const logSink = new Writable({ write: (chunk: Buffer, _enc, cb) => { logLines.push(chunk.toString()); cb(); } });

  before(async () => {
    world = await seedReportWorld(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400', PARTNERGATE_API_KEY_RATE_PER_MINUTE: '1000' }, { logger: createLogger('debug', logSink) });
  before(async () => {
    a = await tg.signIn(world.partnerA);
    await ctx.store.db.updateTable('accounts').set({ password_hash: await hashPassword(PASSWORD) }).where('id', '=', a.accountId).execute();
  });

  const keyFor = async (partnerId: number, name = 'script') => {
    const account = await ctx.store.db.selectFrom('accounts').select('id').where('partner_id', '=', partnerId).executeTakeFirstOrThrow();
    const made = await createApiKey(ctx.store.db, { accountId: account.id, partnerId, name, now: Date.now() });
    if (!made.ok) throw new Error(made.problem);
    return made.key;
  };
  const bearer = (path: string, key: string) => request(tg.url).get(path).set('Authorization', `Bearer ${key}`);
  const makeInSettings = (form: Record<string, string>) =>
    request(tg.url).post('/partner-center/settings/api-keys').set('Cookie', a.cookie).set('Origin', tg.url).type('form').send({ _csrf: a.csrfToken, ...form });

  it('settings makes a named key once (password asked, audited), stores only its hash, and lists it without the secret', async () => {
    const res = await makeInSettings({ api_key_name: 'My dashboard', current_password: PASSWORD });
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('private, no-store');
    const key = /value="(pgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"/.exec(res.text)?.[1];
    expect(key, 'the key is shown').to.be.a('string');
    const row = await ctx.store.db.selectFrom('api_keys').selectAll().where('key_id', '=', key!.slice(4, 16)).executeTakeFirstOrThrow();
    expect(row).to.include({ name: 'My dashboard', partner_id: world.partnerA, key_hash: sha256(key!), revoked_at: null });
    expect(JSON.stringify(row)).not.to.include(key!.slice(17));
    const audit = await ctx.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'api_key.created').execute();
    expect(audit.map((r) => r.partner_id)).to.deep.equal([world.partnerA]);
    expect(audit[0]!.details_json).to.include(row.key_id).and.not.include(key!.slice(17));
    const page = await request(tg.url).get('/partner-center/settings').set('Cookie', a.cookie);
    expect(page.text).to.include('My dashboard').and.include(`pgk_${row.key_id}_`).and.not.include(key!);
  });

  it('settings refuses a key without the password, without CSRF, without a name, or beyond the cap', async () => {
    const noPw = await makeInSettings({ api_key_name: 'x' });
    expect(noPw.status).to.equal(403);
    expect(noPw.text).to.include('Current password');
    const wrongPw = await makeInSettings({ api_key_name: 'x', current_password: 'wrong wrong wrong' });
    expect(wrongPw.status).to.equal(403);
    const noCsrf = await request(tg.url).post('/partner-center/settings/api-keys').set('Cookie', a.cookie).set('Origin', tg.url).type('form').send({ api_key_name: 'x', current_password: PASSWORD });
    expect(noCsrf.status).to.equal(403);
    const noName = await makeInSettings({ api_key_name: '  ', current_password: PASSWORD });
    expect(noName.status).to.equal(400);
    expect(noName.text).to.include('Key name');
    const active = Number((await ctx.store.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', world.partnerA).where('revoked_at', 'is', null).executeTakeFirstOrThrow()).n);
    for (let i = active; i < 10; i++) await keyFor(world.partnerA, `filler ${i}`);
    const eleventh = await makeInSettings({ api_key_name: 'one too many', current_password: PASSWORD });
    expect(eleventh.status).to.equal(409);
    expect(eleventh.text).to.include('10 active keys');
    await ctx.store.db.updateTable('api_keys').set({ revoked_at: Date.now() }).where('name', 'like', 'filler%').execute();
  });

  it('a key reads its partner\'s JSON reports and exports with no cookie, scoped as the session is', async () => {
    const key = await keyFor(world.partnerA);
    const viaKey = await bearer(`/partner-center/api/reports/commissions?${q}&limit=1000`, key);
    expect(viaKey.status, JSON.stringify(viaKey.body)).to.equal(200);
    const viaCookie = await request(tg.url).get(`/partner-center/api/reports/commissions?${q}&limit=1000`).set('Cookie', a.cookie);
    expect(viaKey.body).to.deep.equal(viaCookie.body);
    const csv = await bearer(`/partner-center/exports/commissions.csv?${q}`, key);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    const statement = await bearer(`/partner-center/payouts/${world.payoutsA[0]}/statement.csv`, key);
    expect(statement.status).to.equal(200);
  });

  it("an attacker with partner A's key never reads partner B's data (ids in the query, B's payout, B's cookie beside it)", async () => {
    const key = await keyFor(world.partnerA);
    const b = world.partnerB;
    const spoof = `partner_id=${b}&partnerId=${b}&partner=${b}&referral_code=B200&payout_id=${world.payoutB}&id=${b}`;
    for (const name of ['commissions', 'refunds', 'payments', 'contacts', 'subscriptions', 'report']) {
      const json = await bearer(`/partner-center/api/reports/${name}?${q}&${spoof}&limit=1000`, key);
      const csv = await bearer(`/partner-center/exports/${name}.csv?${q}&${spoof}`, key);
      expect([json.status, csv.status], name).to.deep.equal([200, 200]);
      const leaked = B_MARKERS.filter((m) => JSON.stringify(json.body).includes(m) || csv.text.includes(m));
      expect(recordCase('IDOR', `API key of A on ${name} with B's ids`, leaked.length === 0), `${name} leaked ${leaked}`).to.equal(true);
    }
    const statementB = await bearer(`/partner-center/payouts/${world.payoutB}/statement.csv`, key);
    expect(recordCase('IDOR', "API key of A on B's payout statement", statementB.status === 404)).to.equal(true);
    const bSession = await tg.signIn(b);
    const mixed = await bearer(`/partner-center/api/reports/contacts?${q}&limit=1000`, key).set('Cookie', bSession.cookie);
    expect(mixed.status).to.equal(200);
    expect(recordCase('IDOR', "A's key beside B's cookie acts as A only", !B_MARKERS.some((m) => JSON.stringify(mixed.body).includes(m)))).to.equal(true);
  });

  it('every other route of the app refuses a valid key (403 auth.api_key_not_allowed), forms included, and changes nothing', async () => {
    const key = await keyFor(world.partnerA);
    const routes = appRoutes(tg);
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of ['GET /partner-center/settings', 'POST /partner-center/settings/paypal', 'POST /partner-center/settings/api-keys', 'POST /sso/password', 'GET /partner-center/admin/']) {
      expect(listed, 'the enumeration finds the app routes').to.include(expected);
    }
    const before = await ctx.store.db.selectFrom('audit_log').select('id').execute();
    let checked = 0;
    for (const r of routes) {
      const path = r.path.replace(/:([a-z]+)/gi, (_m, name: string) => (name === 'file' ? 'commissions.csv' : name === 'name' ? 'commissions' : '1'));
      const keyAllowed = r.method === 'GET' && /^\/partner-center\/(api\/reports\/|exports\/[^/]+\.csv$|payouts\/[^/]+\/statement\.csv$)/.test(path);
      // Public, data-free routes answer anyone, key or not; the wp-shim ping's bearer is the plugin's signed token.
      const publicRoute = ['/partner-center/api/openapi.json', '/partner-center/assets/brand.css', '/healthz', '/readyz', '/metrics'].includes(path);
      if (keyAllowed || publicRoute || path === '/sso/wp-shim/ping') continue;
      const res = await request(tg.url)[r.method.toLowerCase() as 'get' | 'post'](path)
        .set('Authorization', `Bearer ${key}`)
        .set('Origin', tg.url)
        .type('form')
        .send(r.method === 'POST' ? { _csrf: 'x', paypal_email: 'evil@example.com', current_password: PASSWORD, api_key_name: 'evil' } : {});
      expect(res.status, `${r.method} ${path}`).to.equal(403);
      expect(res.body.error?.code, `${r.method} ${path}`).to.equal('auth.api_key_not_allowed');
      checked++;
    }
    expect(checked).to.be.greaterThan(40);
    expect(await ctx.store.db.selectFrom('audit_log').select('id').execute()).to.deep.equal(before);
    const paypal = await ctx.store.db.selectFrom('partners').select('paypal_email').where('id', '=', world.partnerA).executeTakeFirstOrThrow();
    expect(paypal.paypal_email).not.to.equal('evil@example.com');
  });

  it('malformed, unknown and revoked keys: 401 with a JSON error naming the problem and WWW-Authenticate: Bearer', async () => {
    const key = await keyFor(world.partnerA, 'to revoke');
    const cases: Array<[string, string, RegExp]> = [
      ['Bearer nonsense', 'malformed', /malformed/],
      [`Bearer ${key.slice(0, -1)}x`.replace(/x$/, key.endsWith('x') ? 'y' : 'x'), 'unknown', /not known/],
      [`Bearer pgk_000000000000_${'A'.repeat(43)}`, 'unknown', /not known/],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'missing', /Bearer <API key>/],
    ];
    for (const [header, problem, message] of cases) {
      const res = await request(tg.url).get(`/partner-center/exports/commissions.csv?${q}`).set('Authorization', header);
      expect(res.status, header).to.equal(401);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body.error).to.include({ code: 'auth.api_key_invalid', field: 'Authorization' });
      expect(res.body.error.message).to.match(message);
      expect(res.headers['www-authenticate']).to.match(/^Bearer /).and.include(`error_description="${problem}"`);
    }
    const revoke = await request(tg.url).post(`/partner-center/settings/api-keys/${(await ctx.store.db.selectFrom('api_keys').select('id').where('key_id', '=', key.slice(4, 16)).executeTakeFirstOrThrow()).id}/revoke`)
      .set('Cookie', a.cookie).set('Origin', tg.url).type('form').send({ _csrf: a.csrfToken });
    expect(revoke.status).to.equal(303);
    const res = await bearer(`/partner-center/api/reports/commissions?${q}`, key);
    expect(res.status).to.equal(401);
    expect(res.body.error.message).to.match(/revoked/);
    expect(res.headers['www-authenticate']).to.include('error_description="revoked"');
    expect((await ctx.store.db.selectFrom('audit_log').select('action').where('action', '=', 'api_key.revoked').execute()).length).to.equal(1);
  });

  it("a partner cannot revoke another partner's key (404, the key still works)", async () => {
    const keyB = await keyFor(world.partnerB);
    const row = await ctx.store.db.selectFrom('api_keys').select('id').where('key_id', '=', keyB.slice(4, 16)).executeTakeFirstOrThrow();
    const res = await request(tg.url).post(`/partner-center/settings/api-keys/${row.id}/revoke`).set('Cookie', a.cookie).set('Origin', tg.url).type('form').send({ _csrf: a.csrfToken });
    expect(res.status).to.equal(404);
    expect((await bearer(`/partner-center/api/reports/commissions?${q}`, keyB)).status).to.equal(200);
  });

  it('the last-used time is written at most once a minute', async () => {
    const key = await keyFor(world.partnerA);
    const keyId = key.slice(4, 16);
    const lastUsed = async () => (await ctx.store.db.selectFrom('api_keys').select('last_used_at').where('key_id', '=', keyId).executeTakeFirstOrThrow()).last_used_at;
    expect(await lastUsed()).to.equal(null);
    await bearer(`/partner-center/api/reports/commissions?${q}`, key);
    expect(await lastUsed()).to.be.a('number');
    const recent = Date.now() - 30_000;
    await ctx.store.db.updateTable('api_keys').set({ last_used_at: recent }).where('key_id', '=', keyId).execute();
    await bearer(`/partner-center/api/reports/commissions?${q}`, key);
    expect(Number(await lastUsed())).to.equal(recent);
    const old = Date.now() - 120_000;
    await ctx.store.db.updateTable('api_keys').set({ last_used_at: old }).where('key_id', '=', keyId).execute();
    await bearer(`/partner-center/api/reports/commissions?${q}`, key);
    expect(Number(await lastUsed())).to.be.greaterThan(old + 60_000);
  });

  it('no key, nor its secret part, ever reaches the log', () => {
    const all = logLines.join('');
    expect(all.length, 'the gateway logged at debug').to.be.greaterThan(0);
    expect(all).not.to.match(/pgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/);
  });
});

forEachStore('partner API keys: rate limit', (ctx) => {
  let world: ReportWorld;
  before(async () => {
    world = await seedReportWorld(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400', PARTNERGATE_API_KEY_RATE_PER_MINUTE: '3' });

  it('each key has its own budget, counted in the store: 429 with Retry-After beyond it', async () => {
    await tg.signIn(world.partnerA);
    const account = await ctx.store.db.selectFrom('accounts').select('id').where('partner_id', '=', world.partnerA).executeTakeFirstOrThrow();
    const make = async () => {
      const m = await createApiKey(ctx.store.db, { accountId: account.id, partnerId: world.partnerA, name: 'k', now: Date.now() });
      if (!m.ok) throw new Error(m.problem);
      return m.key;
    };
    const [k1, k2] = [await make(), await make()];
    const get = (key: string) => request(tg.url).get(`/partner-center/api/reports/commissions?${q}`).set('Authorization', `Bearer ${key}`);
    for (let i = 0; i < 3; i++) expect((await get(k1)).status).to.equal(200);
    const over = await get(k1);
    expect(over.status).to.equal(429);
    expect(over.body.error.code).to.equal('auth.api_rate_limited');
    expect(Number(over.headers['retry-after'])).to.be.within(1, 60);
    expect((await get(k2)).status, 'another key is not affected').to.equal(200);
    const row = await ctx.store.db.selectFrom('throttle').select('count').where('key', '=', `api-key:${k1.slice(4, 16)}`).executeTakeFirstOrThrow();
    expect(Number(row.count)).to.equal(4);
  });
});
