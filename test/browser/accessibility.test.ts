/**
 * axe-core scan of every partner page in headless Chromium: 0 serious and 0 critical violations, at a desktop
 * and a phone viewport, on a gateway with data and on one whose store holds a single partner and nothing else.
 *
 * The pages are not listed here by hand: they are the GET routes of the gateway's own app (`createApp`, routers
 * mounted in it included) and of the blocks router, under `/sso` and `/partner-center` (the admin area aside).
 * A route with a parameter needs sample values below (the test fails naming it until it has some); a route that
 * answers something other than HTML (CSV, JSON, images, redirects) is not a page and is left out. Each page is
 * visited in the state that shows it: signed out for sign-in, a one-time link for set-password and reset, a
 * session waiting for its second factor for the two-factor challenge, signed in for everything else.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { Browser, BrowserContext } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { createBlocksRouter } from '../../src/blocks/index.js';
import { issueToken } from '../../src/accounts/index.js';
import { openSession } from '../../src/auth/sessions.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium } from '../support/browser.js';
import { axeScan, routePaths } from '../support/a11y.js';
import { FIXED_NOW, seedPartnerCenter } from '../web/fixture.js';
import { seedPartner } from '../auth/support/fixtures.js';
import { writePagesConfig } from '../blocks/pages-support.js';

const SITE = 'http://acme.example';
const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 900 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
] as const;
/** Routes that are not pages (files, JSON, APIs): never scanned, whatever they answer. */
const NOT_PAGES = /\.(csv|svg|png|json|js|css)$|\/(api|exports|assets|admin)(\/|$)/;
/** The pages a partner meets that must be among the scanned ones (a sanity check on the enumeration). */
const MUST_SCAN = [
  '/sso/sign-in', '/sso/forgot', '/sso/set-password', '/sso/reset', '/sso/two-factor', '/sso/two-factor/setup', '/sso/password', '/sso/confirm',
  '/partner-center/', '/partner-center/contacts', '/partner-center/commissions/pending', '/partner-center/earnings', '/partner-center/payouts',
  '/partner-center/reports', '/partner-center/links', '/partner-center/promo-tools', '/partner-center/settings', '/partner-center/leaderboard',
];

type Visitor = 'anonymous' | 'signed-in' | 'second-factor';
const VISITOR: Record<string, Visitor> = { '/sso/sign-in': 'anonymous', '/sso/forgot': 'anonymous', '/sso/signed-out': 'anonymous', '/sso/two-factor': 'second-factor' };

interface World {
  tg: TestGateway;
  /** Sample values of each route parameter, by route. */
  samples: Record<string, string[]>;
  /** Query strings some pages need (one-time links). */
  query: Record<string, string>;
  cookies: Record<Exclude<Visitor, 'anonymous'>, string>;
}

/** Every partner page of the gateway, parameters filled from the samples. */
function partnerPages(w: World): string[] {
  const app = createApp(w.tg.gateway.deps, { oidc: w.tg.gateway.oidc }) as unknown as { router: Parameters<typeof routePaths>[0] };
  const routes = [...routePaths(app.router), ...routePaths(createBlocksRouter(w.tg.gateway.deps) as unknown as Parameters<typeof routePaths>[0], '/partner-center')];
  const pages: string[] = [];
  for (const route of routes) {
    if (!/^\/(sso|partner-center)\//.test(route) || NOT_PAGES.test(route)) continue;
    if (!route.includes(':')) {
      pages.push(route);
      continue;
    }
    const values = w.samples[route];
    if (!values) throw new Error(`${route}: add sample values for its parameters to the accessibility test`);
    for (const v of values) pages.push(route.replace(/:[A-Za-z]+/, v));
  }
  return pages;
}

async function scanAll(browser: Browser, w: World, label: string): Promise<{ scanned: string[]; failures: string[] }> {
  const scanned: string[] = [];
  const failures: string[] = [];
  const contexts: BrowserContext[] = [];
  try {
    for (const vp of VIEWPORTS) {
      const contextFor = async (visitor: Visitor) => {
        const context = await browser.newContext({ viewport: vp.viewport, isMobile: vp.isMobile, hasTouch: vp.isMobile });
        contexts.push(context);
        if (visitor !== 'anonymous') {
          const value = w.cookies[visitor].split('=')[1]!;
          await context.addCookies([{ name: w.tg.gateway.deps.cookies.session, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' }]);
        }
        return context.newPage();
      };
      const pages = { anonymous: await contextFor('anonymous'), 'signed-in': await contextFor('signed-in'), 'second-factor': await contextFor('second-factor') };
      for (const path of partnerPages(w)) {
        const visitor = VISITOR[path] ?? 'signed-in';
        const url = `${path}${w.query[path] ?? ''}`;
        const probe = await request(w.tg.url).get(url).set('Cookie', visitor === 'anonymous' ? '' : w.cookies[visitor]).redirects(0);
        if (!String(probe.headers['content-type']).startsWith('text/html')) continue;
        const page = pages[visitor];
        await page.goto(`${w.tg.url}${url}`);
        scanned.push(path);
        for (const v of await axeScan(page)) failures.push(`${label} ${vp.name} ${path} [${probe.status}]: ${v}`);
      }
    }
  } finally {
    for (const c of contexts) await c.close();
  }
  return { scanned: [...new Set(scanned)], failures };
}

/** Cookies for a signed-in partner and for a session of another account waiting for its second factor. */
async function visitorCookies(tg: TestGateway, partnerId: number, secondFactorAccountId: number): Promise<World['cookies']> {
  const { db } = tg.gateway.deps.store;
  await db.updateTable('accounts').set({ totp_enabled: 1 }).where('id', '=', secondFactorAccountId).execute();
  const pending = await openSession(db, tg.gateway.deps.sessionPolicy, { accountId: secondFactorAccountId, method: 'password', totpPending: true });
  return { 'signed-in': (await signInAs(tg, partnerId)).cookie, 'second-factor': `${tg.gateway.deps.cookies.session}=${pending.cookieValue}` };
}

async function oneTimeLinks(tg: TestGateway, accountId: number, now: number): Promise<Record<string, string>> {
  const { db } = tg.gateway.deps.store;
  const link = async (purpose: 'set_password' | 'reset_password') => `?token=${(await issueToken(db, { purpose, accountId, ttlMs: 86_400_000, now })).raw}`;
  return { '/sso/set-password': await link('set_password'), '/sso/reset': await link('reset_password') };
}

describe('browser: accessibility of every partner page (axe-core)', function () {
  this.timeout(600_000);
  let browser: Browser;
  const stores: TestStore[] = [];
  const gateways: TestGateway[] = [];

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const tg of gateways) await tg.close();
    for (const ts of stores) await ts.dispose();
  });

  it('has no serious or critical violation on a gateway with data, at desktop and phone sizes', async () => {
    const ts = await createTestStore('sqlite');
    stores.push(ts);
    const fx = await seedPartnerCenter(ts.store);
    const tg = await startTestGateway(ts.store, { PARTNERGATE_PUBLIC_URL: SITE, PARTNERGATE_BRAND_NAME: 'Acme Partners', PARTNERGATE_BLOCKS_CONFIG: writePagesConfig() }, { now: () => FIXED_NOW });
    gateways.push(tg);
    const config = tg.gateway.deps.blocks.get();
    const w: World = {
      tg,
      samples: {
        '/partner-center/products/:productId': [String(fx.products.course)],
        '/partner-center/payouts/:payoutId': [String(fx.payouts.find((p) => p.partner_id === fx.a.id)!.id)],
        '/partner-center/leaderboard/:slug': [...config.leaderboards.keys()],
        '/partner-center/contests/:slug': [...config.contests.keys()],
        '/partner-center/p/:slug': [...config.pages.keys()],
      },
      query: { ...(await oneTimeLinks(tg, fx.a.accountId, FIXED_NOW)), '/partner-center/reports': '?by=subid' },
      cookies: await visitorCookies(tg, fx.a.id, fx.b.accountId),
    };
    const { scanned, failures } = await scanAll(browser, w, 'data');
    expect(scanned).to.include.members(MUST_SCAN);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('has no serious or critical violation on an empty store (one partner, no activity, no promo tools)', async () => {
    const ts = await createTestStore('sqlite');
    stores.push(ts);
    const p = await seedPartner(ts.store, { email: 'only@example.test' });
    const other = await seedPartner(ts.store, { email: 'second@example.test' });
    const tg = await startTestGateway(ts.store, { PARTNERGATE_PUBLIC_URL: SITE });
    gateways.push(tg);
    const w: World = {
      tg,
      samples: {
        '/partner-center/products/:productId': ['1'],
        '/partner-center/payouts/:payoutId': ['1'],
        '/partner-center/leaderboard/:slug': ['default'],
        '/partner-center/contests/:slug': ['none'],
        '/partner-center/p/:slug': ['none'],
      },
      query: await oneTimeLinks(tg, p.accountId!, Date.now()),
      cookies: await visitorCookies(tg, p.partnerId, other.accountId!),
    };
    const { scanned, failures } = await scanAll(browser, w, 'empty');
    expect(scanned).to.include.members(MUST_SCAN);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
