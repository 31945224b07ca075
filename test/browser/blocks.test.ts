/**
 * Leaderboard, launch contest and launch page in a real browser (headless Chromium through playwright-core),
 * signed in with a session cookie: the viewer's row is highlighted, its own rank shows below the top N, the pages
 * load with no CSP violation or script error. Screenshots go through saveScreenshot (test/support/browser.ts):
 * docs/screenshots keeps the committed ones, so a test run leaves a clean clone clean.
 */
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { formatMoney } from '../../src/common/index.js';
import { saveScreenshot } from '../support/browser.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CONTEST_START_MS, NOW, YEAR_AGO, expected, seedBlocksFixture, type Fixture } from '../blocks/fixture.js';
import { writePagesConfig } from '../blocks/pages-support.js';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

describe('browser: leaderboard and contest pages', function () {
  this.timeout(60_000);
  let ts: TestStore;
  let tg: TestGateway;
  let fx: Fixture;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    ts = await createTestStore('sqlite');
    fx = await seedBlocksFixture(ts.store);
    tg = await startTestGateway(ts.store, { PARTNERGATE_BLOCKS_CONFIG: writePagesConfig(), PARTNERGATE_BRAND_NAME: 'Acme Partners' }, { now: () => NOW });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  });
  after(async () => {
    await browser?.close();
    await tg?.close();
    await ts?.dispose();
  });

  async function pageAs(partnerIndex: number): Promise<{ context: BrowserContext; page: Page }> {
    const { cookieValue } = await signInAs(tg, fx.partners[partnerIndex]!.id);
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies([{ name: tg.gateway.deps.cookies.session, value: cookieValue, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    page.on('console', (m) => {
      // A missing resource is reported by URL below (the browser's own favicon request is not the page's).
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return { context, page };
  }

  /** Ladder partners ranked by earned last year, as the default leaderboard must show them. */
  const ranking = () =>
    fx.partners
      .filter((p) => p.programId !== fx.programs.solo && fx.commissions.some((c) => c.partner_id === p.id && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback') && c.processed_at !== null && c.processed_at >= YEAR_AGO))
      .map((p) => ({ p, v: expected.earnedLastYear(fx.commissions, p.id) }))
      .sort((a, b) => b.v - a.v || a.p.id - b.p.id);

  it('highlights the viewer on the leaderboard', async () => {
    const third = ranking()[2]!;
    const { context, page } = await pageAs(fx.partners.indexOf(third.p));
    const res = await page.goto(`${tg.url}/partner-center/leaderboard`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('h1').textContent()).to.equal('Top partners: last 12 months');
    const highlighted = page.locator('tr.highlight');
    expect(await highlighted.count()).to.equal(1);
    expect((await highlighted.locator('td.rank').textContent())?.trim()).to.equal('3');
    expect((await highlighted.locator('td.value').textContent())?.trim()).to.equal(formatMoney(third.v, 'USD'));
    expect(await highlighted.locator('.you').isVisible()).to.equal(true);
    // The highlight is visible, not only a class: its background differs from an ordinary row's.
    const bg = (sel: string) => page.locator(sel).first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el.querySelector('td')).backgroundColor);
    expect(await bg('tr.highlight')).not.to.equal(await bg('tbody tr:not(.highlight)'));
    expect(await page.locator('nav a[aria-current="page"]').textContent()).to.equal('Leaderboard');
    await saveScreenshot(page, 'leaderboard');
    await context.close();
  });

  it('shows the viewer\'s own rank below the top three', async () => {
    const last = ranking().at(-1)!;
    const { context, page } = await pageAs(fx.partners.indexOf(last.p));
    await page.goto(`${tg.url}/partner-center/leaderboard/top3`);
    const rows = page.locator('table.leaderboard tbody tr:not(.gap)');
    expect(await rows.count()).to.equal(4);
    expect(await page.locator('tr.gap').isVisible()).to.equal(true);
    const own = page.locator('tr.own-rank');
    expect((await own.locator('td.rank').textContent())?.trim()).to.equal(String(ranking().length));
    await saveScreenshot(page, 'leaderboard-own-rank');
    await context.close();
  });

  it('shows the product launch contest', async () => {
    const counts = fx.partners
      .filter((p) => p.programId !== fx.programs.solo)
      .map((p) => ({ p, v: expected.productSales(fx.commissions, p.id, fx.products.course, CONTEST_START_MS) }))
      .sort((a, b) => b.v - a.v || a.p.id - b.p.id);
    const { context, page } = await pageAs(fx.partners.indexOf(counts[0]!.p));
    const res = await page.goto(`${tg.url}/partner-center/contests/course-launch`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('h1').textContent()).to.equal('Course launch contest');
    expect(await page.locator('.contest-meta').textContent()).to.include('Online Course').and.to.include('Mar 1, 2026');
    expect((await page.locator('tbody tr').first().locator('td.value').textContent())?.trim()).to.equal(String(counts[0]!.v));
    expect(await page.locator('tbody tr').first().getAttribute('class')).to.equal('highlight');
    await saveScreenshot(page, 'contest');
    await context.close();
  });

  it('shows the launch partner center page', async () => {
    const { context, page } = await pageAs(1);
    const res = await page.goto(`${tg.url}/partner-center/p/launch`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('[data-block="launch_commissions"] tbody tr').count()).to.be.greaterThan(0);
    await saveScreenshot(page, 'launch-page');
    await context.close();
  });

  it('had no script error or CSP violation', () => {
    expect(problems).to.deep.equal([]);
  });
});
