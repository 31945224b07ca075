/**
 * Every admin route refuses a partner session with 403 (the guard's `auth.forbidden`, not a CSRF refusal or a
 * 404), and a browser with no session. The routes are read from the admin area's router itself, so a route added
 * later is covered without editing this test. An administrator who signs in lands in the admin area.
 */
import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_BASE, createAdminArea, createReloadableBlocks } from '../../src/admin-area/index.js';
import { useTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { seedPartnerCenter, type Fixture } from '../web/fixture.js';
import { routesOf, type RouteEntry } from '../support/routes.js';
import { adminSession } from './support.js';

forEachStore('admin area: access', (ctx) => {
  const tg = useTestGateway(() => ctx.store);
  let fx: Fixture;
  let routes: RouteEntry[];
  before(() => {
    const deps = tg.gateway.deps;
    routes = routesOf(createAdminArea(deps, { blocks: createReloadableBlocks(deps) }), ADMIN_BASE);
  });
  beforeEach(async () => {
    await clearTables(ctx.store);
    fx = await seedPartnerCenter(ctx.store);
  });

  const concrete = (path: string) => path.replace(/:[a-z]+/gi, '1');

  it('the router lists every page of the admin area (the enumeration itself works)', () => {
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of ['GET /partner-center/admin/', 'GET /partner-center/admin/partners', 'GET /partner-center/admin/partners/:id', 'POST /partner-center/admin/partners/:id/view-as', 'POST /partner-center/admin/view-as/end', 'GET /partner-center/admin/sync', 'GET /partner-center/admin/outbox', 'POST /partner-center/admin/outbox/:id/retry', 'GET /partner-center/admin/journals', 'GET /partner-center/admin/masspay', 'POST /partner-center/admin/masspay/preview', 'POST /partner-center/admin/masspay/confirm', 'GET /partner-center/admin/blocks', 'POST /partner-center/admin/blocks/reload', 'GET /partner-center/admin/audit', 'GET /partner-center/admin/audit.csv', 'GET /partner-center/admin/exports/masspay.csv']) {
      expect(listed).to.include(expected);
    }
  });

  it('a partner session gets 403 auth.forbidden on every admin route, with a valid CSRF token', async () => {
    const partner = await tg.signIn(fx.a.id);
    const before = await ctx.store.db.selectFrom('audit_log').select('id').execute();
    for (const r of routes) {
      const path = concrete(r.path);
      const res = await request(tg.url)[r.method.toLowerCase() as 'get' | 'post'](path)
        .set('Cookie', partner.cookie)
        .set('Accept', 'application/json')
        .set('X-CSRF-Token', partner.csrfToken)
        .set('Origin', tg.url);
      expect(res.status, `${r.method} ${path}`).to.equal(403);
      expect(res.body.error?.code, `${r.method} ${path}`).to.equal('auth.forbidden');
      expect(res.headers['cache-control'], `${r.method} ${path}`).to.equal('no-store');
    }
    expect(await ctx.store.db.selectFrom('audit_log').select('id').execute()).to.deep.equal(before);
  });

  it('no session: every route refuses (401; posts may meet the CSRF check first, 403); an HTML page sends the browser to sign in and back', async () => {
    for (const r of routes) {
      const res = await request(tg.url)[r.method.toLowerCase() as 'get' | 'post'](concrete(r.path)).set('Accept', 'application/json').set('Origin', tg.url);
      expect([401, 403], `${r.method} ${r.path}`).to.include(res.status);
    }
    const page = await request(tg.url).get(`${ADMIN_BASE}/outbox`).set('Accept', 'text/html');
    expect(page.status).to.equal(303);
    expect(page.headers.location).to.equal(`/sso/sign-in?rd=${encodeURIComponent(`${ADMIN_BASE}/outbox`)}`);
  });

  it('an administrator still waiting for the second factor reaches no admin route', async () => {
    const admin = await adminSession(tg);
    await ctx.store.db.updateTable('sessions').set({ totp_pending: 1 }).execute();
    for (const r of routes) {
      const res = await request(tg.url)[r.method.toLowerCase() as 'get' | 'post'](concrete(r.path)).set('Cookie', admin.cookie).set('Accept', 'application/json').set('X-CSRF-Token', admin.csrfToken).set('Origin', tg.url);
      expect(res.status, `${r.method} ${r.path}`).to.equal(401);
    }
  });

  it('an administrator who signs in lands in the admin area instead of being refused', async () => {
    const admin = await adminSession(tg);
    const home = await request(tg.url).get('/partner-center/').set('Cookie', admin.cookie).set('Accept', 'text/html');
    expect(home.status).to.equal(303);
    expect(home.headers.location).to.equal(`${ADMIN_BASE}/`);
    const page = await request(tg.url).get(`${ADMIN_BASE}/`).set('Cookie', admin.cookie);
    expect(page.status).to.equal(200);
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.text).to.match(/<h1>Admin<\/h1>/);
  });
});
