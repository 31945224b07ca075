/**
 * The partner center configuration's page list (src/partners/center-setup.ts): `partnergate partner-center
 * pages --set` turns pages off; a page that is off leaves every menu and answers 404, the others still work;
 * --dry-run changes nothing; a wrong page name is refused naming it; a record an older migration wrote
 * (`referrals`, `payments`) still reads as today's pages.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { PARTNER_CENTER_PAGES, pagesOf, PARTNER_CENTER_SETUP_KEY } from '../../src/partners/index.js';
import { getKv, setKv } from '../../src/store/index.js';
import { captureIo } from '../admin/support/fixtures.js';
import { recordCase } from '../support/adversarial.js';
import { forEachStore } from '../support/store.js';
import type { TestGateway } from '../support/gateway.js';
import type { Fixture } from './fixture.js';
import { openPartnerCenter, getPage } from './helpers.js';

/** The menu's links (the layout's `nav`). */
function menu(html: string): string[] {
  const nav = /<nav[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => h.startsWith('/partner-center/'));
}

forEachStore('partner center pages switched on and off', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let cookie: string;
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'silent' }, store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err };
  };

  before(async () => {
    ({ tg, fx, cookie } = await openPartnerCenter(ctx.store));
  });
  after(async () => {
    await tg?.close();
  });

  it('with no configuration every page is on and in the menu', async () => {
    const shown = await cli('partner-center', 'pages', '--json');
    expect(shown.code).to.equal(0);
    expect(JSON.parse(shown.out).pages).to.deep.equal([...PARTNER_CENTER_PAGES]);
    const dash = await getPage(tg, cookie, '/partner-center/');
    expect(menu(dash.text)).to.include.members(['/partner-center/earnings', '/partner-center/leaderboard', '/partner-center/contacts']);
    expect((await getPage(tg, cookie, '/partner-center/earnings')).status).to.equal(200);
  });

  it('--dry-run reports the change and changes nothing', async () => {
    const r = await cli('partner-center', 'pages', '--set', 'contacts,commissions', '--dry-run', '--json');
    expect(r.code).to.equal(0);
    const result = JSON.parse(r.out);
    expect(result.dryRun).to.equal(true);
    expect(result.turnedOff).to.deep.equal(['subscriptions', 'earnings', 'reports', 'promo-tools', 'links', 'leaderboard']);
    expect(await getKv(ctx.store.db, PARTNER_CENTER_SETUP_KEY)).to.equal(undefined);
    expect((await getPage(tg, cookie, '/partner-center/earnings')).status).to.equal(200);
  });

  it('a page turned off leaves every menu and answers 404; the pages left on still work', async () => {
    const r = await cli('partner-center', 'pages', '--set', 'contacts,commissions');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('off: subscriptions, earnings, reports, promo-tools, links, leaderboard');
    for (const path of ['/partner-center/earnings', '/partner-center/reports', '/partner-center/links', '/partner-center/promo-tools', '/partner-center/subscriptions', '/partner-center/leaderboard']) {
      expect((await getPage(tg, cookie, path)).status, path).to.equal(404);
    }
    const dash = await getPage(tg, cookie, '/partner-center/');
    expect(dash.status).to.equal(200);
    expect(menu(dash.text)).to.deep.equal(['/partner-center/', '/partner-center/contacts', '/partner-center/commissions/pending', '/partner-center/settings']);
    for (const path of ['/partner-center/contacts', '/partner-center/commissions/pending', `/partner-center/products/${fx.products.course}`, '/partner-center/settings']) {
      expect((await getPage(tg, cookie, path)).status, path).to.equal(200);
    }
    // The pages left on keep their exports and JSON.
    expect((await getPage(tg, cookie, '/partner-center/exports/commissions.csv')).status).to.equal(200);
    expect((await getPage(tg, cookie, '/partner-center/api/reports/contacts')).status).to.equal(200);
    // Turned on again: back in the menu at once (the CLI clears the cache of the store it wrote to).
    expect((await cli('partner-center', 'pages', '--set', PARTNER_CENTER_PAGES.join(','))).code).to.equal(0);
    expect((await getPage(tg, cookie, '/partner-center/earnings')).status).to.equal(200);
    expect(menu((await getPage(tg, cookie, '/partner-center/')).text)).to.include('/partner-center/leaderboard');
  });

  it('a page turned off takes its CSV exports and its JSON with it (a kept link or a script gets 404)', async () => {
    const r = await cli('partner-center', 'pages', '--set', 'contacts,commissions');
    expect(r.code, r.err).to.equal(0);
    try {
      const off = ['/partner-center/exports/refunds.csv', '/partner-center/exports/payments.csv', '/partner-center/exports/subscriptions.csv', '/partner-center/exports/report.csv',
        '/partner-center/api/reports/refunds', '/partner-center/api/reports/payments', '/partner-center/api/reports/subscriptions', '/partner-center/api/reports/report', '/partner-center/api/reports/report?by=subid'];
      for (const path of off) {
        const res = await getPage(tg, cookie, path);
        expect(recordCase('page switch leaks', `off: ${path}`, res.status === 404), `${path}: ${res.status}`).to.equal(true);
      }
      for (const path of ['/partner-center/exports/commissions.csv', '/partner-center/exports/contacts.csv', '/partner-center/api/reports/commissions']) {
        const res = await getPage(tg, cookie, path);
        expect(recordCase('page switch leaks', `on: ${path}`, res.status === 200), `${path}: ${res.status}`).to.equal(true);
      }
      // The dashboard (always on) no longer offers the switched-off report's download, and keeps the others.
      const dash = (await getPage(tg, cookie, '/partner-center/')).text;
      expect(dash).to.contain('/partner-center/exports/commissions.csv');
      expect(dash).not.to.contain('/partner-center/exports/report.csv');
    } finally {
      expect((await cli('partner-center', 'pages', '--set', PARTNER_CENTER_PAGES.join(','))).code).to.equal(0);
    }
  });

  it('refuses a page that does not exist, naming it, and changes nothing', async () => {
    const before = await getKv(ctx.store.db, PARTNER_CENTER_SETUP_KEY);
    const r = await cli('partner-center', 'pages', '--set', 'contacts,payouts');
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('"payouts" is not a partner center page');
    expect(await getKv(ctx.store.db, PARTNER_CENTER_SETUP_KEY)).to.deep.equal(before);
  });

  it('reads the page names an older migration wrote, and always keeps the dashboard and settings', async () => {
    expect([...pagesOf({ accessPrograms: 'any', pages: ['referrals', 'payments'], createdBy: 't', createdAt: 0 })].sort()).to.deep.equal(['contacts', 'dashboard', 'earnings', 'settings']);
    await setKv(ctx.store.db, PARTNER_CENTER_SETUP_KEY, { accessPrograms: 'any', pages: [], createdBy: 't', createdAt: 0 });
    const r = await cli('partner-center', 'pages', '--json');
    expect(JSON.parse(r.out).pages).to.deep.equal(['dashboard', 'settings']);
  });
});
