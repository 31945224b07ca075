/**
 * The partner API's OpenAPI document at /partner-center/api/openapi.json: valid OpenAPI 3.1 (checked by
 * @readme/openapi-parser), every documented path answers a key with 200, every route of the app that lets a key
 * through is documented, and every documented path is a route a key may call.
 */
import { expect } from 'chai';
import request from 'supertest';
import { validate } from '@readme/openapi-parser';
import { createApiKey } from '../../src/accounts/index.js';
import { isPartnerApiRoute } from '../../src/reports/index.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { appRoutes } from './support.js';
import { RANGE, seedReportWorld, type ReportWorld } from '../reports/fixtures.js';

interface Operation { parameters?: Array<{ name: string; in: string; schema: { enum?: string[] } }>; security?: unknown; responses: Record<string, unknown> }
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { type: string; scheme: string }> }; security: unknown[] };

/** `/a/{x}.csv` -> a pattern matching a concrete path of it. */
const templatePattern = (p: string) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);

forEachStore('partner API: OpenAPI document', (ctx) => {
  let tg: TestGateway;
  let world: ReportWorld;
  let doc: Doc;
  let key: string;

  before(async () => {
    world = await seedReportWorld(ctx.store);
    tg = await startTestGateway(ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400' });
    const a = await signInAs(tg, world.partnerA);
    const made = await createApiKey(ctx.store.db, { accountId: a.accountId, partnerId: world.partnerA, name: 'openapi', now: Date.now() });
    if (!made.ok) throw new Error(made.problem);
    key = made.key;
    const res = await request(tg.url).get('/partner-center/api/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    doc = res.body as Doc;
  });
  after(async () => tg?.close());

  it('is a valid OpenAPI 3.1 document with the bearer scheme, served without signing in', async () => {
    expect(doc.openapi).to.equal('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : JSON.stringify(result.errors)).to.equal(true);
    // The validator can fail: the same document with a response that is not an object is refused.
    const broken = structuredClone(doc);
    (broken.paths['/partner-center/exports/{report}.csv']!.get!.responses as Record<string, unknown>)['200'] = 'fine';
    expect((await validate(broken as never)).valid).to.equal(false);
    expect(doc.components.securitySchemes.partnerApiKey).to.include({ type: 'http', scheme: 'bearer' });
    expect(doc.security).to.deep.equal([{ partnerApiKey: [] }]);
  });

  it('every documented path and method answers a key with 200, for every documented report', async () => {
    let calls = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const reports = op.parameters?.find((p) => p.name === 'report' && p.in === 'path')?.schema.enum ?? [''];
        for (const report of reports) {
          const concrete = path.replace('{report}', report).replace('{payoutId}', String(world.payoutsA[0]));
          const res = await request(tg.url)[method as 'get'](`${concrete}?from=${RANGE.from}&to=${RANGE.to}`).set('Authorization', `Bearer ${key}`);
          expect(res.status, `${method} ${concrete}: ${res.text.slice(0, 200)}`).to.equal(200);
          expect(Object.keys(op.responses)).to.include.members(['200', '401', '429']);
          calls++;
        }
      }
    }
    expect(calls).to.be.greaterThan(10);
  });

  it('every app route a key may call is documented, and every documented path is such a route', () => {
    const routes = appRoutes(tg);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), pattern: templatePattern(p), path: p })));
    const keyRoutes = routes
      .map((r) => ({ ...r, concrete: r.path.replace(/:([a-z]+)/gi, (_m, n: string) => (n === 'file' ? 'commissions.csv' : n === 'name' ? 'commissions' : '7')) }))
      .filter((r) => isPartnerApiRoute(r.method, r.concrete));
    expect(keyRoutes.map((r) => r.path)).to.have.members(['/partner-center/exports/:file', '/partner-center/api/reports/:name', '/partner-center/payouts/:payoutId/statement.csv']);
    for (const r of keyRoutes) {
      expect(documented.some((d) => d.method === r.method && d.pattern.test(r.concrete)), `${r.method} ${r.path} is documented`).to.equal(true);
    }
    for (const d of documented) {
      const concrete = d.path.replace(/\{[^}]+\}/g, '7');
      expect(isPartnerApiRoute(d.method, concrete), `${d.method} ${d.path} accepts a key`).to.equal(true);
      expect(routes.some((r) => r.method === d.method && new RegExp(`^${r.path.replace(/[.]/g, '\\.').replace(/:[a-z]+/gi, '[^/]+')}$`, 'i').test(concrete)), `${d.path} is a route`).to.equal(true);
    }
  });
});
