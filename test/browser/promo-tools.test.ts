/**
 * The lightbox promo tool in headless Chromium: the preview on the promo tools page is a modal dialog run
 * from the keyboard (Tab to its button, Enter or Space opens it, focus moves in and stays in, Escape or the
 * close button closes it and focus returns), it passes axe while open, fits a phone, and the embed code a
 * partner copies works on another origin under a strict CSP, asking no host but the gateway for anything.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { createTestStore, type TestStore } from '../support/store.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium, saveScreenshot, signedInPage, type SignedInPage } from '../support/browser.js';
import { axeScan } from '../support/a11y.js';
import { FIXED_NOW, seedPartnerCenter, type Fixture } from '../web/fixture.js';

// jsqr is CommonJS whose module.exports is the function (with a `default` copy): NodeNext types see the namespace.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** Banner images live on the WordPress site, which these tests do not run. */
const notServedHere = (url: string) => new URL(url).pathname.startsWith('/wp-content/');

/** Where focus is: inside the open dialog, on an element with this test id, or elsewhere. */
function focusIn(page: Page): Promise<{ inDialog: boolean; testId: string | null; text: string | null }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    return { inDialog: Boolean(el && el.closest('[role="dialog"]')), testId: el ? el.getAttribute('data-testid') : null, text: el ? el.textContent : null };
  })()`);
}

describe('browser: lightbox promo tool', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let tg: TestGateway;
  let fx: Fixture;
  let browser: Browser;
  let s: SignedInPage;
  let previewId: string;

  before(async () => {
    ts = await createTestStore('sqlite');
    fx = await seedPartnerCenter(ts.store);
    tg = await startTestGateway(ts.store, { PARTNERGATE_BRAND_NAME: 'Acme Partners' }, { now: () => FIXED_NOW });
    browser = await launchChromium();
    s = await signedInPage(browser, tg, fx.a.id, { ignore: notServedHere });
    previewId = `lightbox-preview-${fx.promoTools.lightbox}`;
  });
  after(async () => {
    await browser?.close();
    await tg?.close();
    await ts?.dispose();
  });

  it('opens and closes the preview by keyboard, keeping focus inside the dialog while it is open', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/promo-tools`);
    // Tab from the top of the page to the preview button.
    let tabs = 0;
    while ((await focusIn(page)).testId !== previewId) {
      expect(++tabs, 'Tab never reached the preview button').to.be.below(80);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    const dialog = page.locator('[role="dialog"]');
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).to.equal('true');
    const titleId = (await dialog.getAttribute('aria-labelledby'))!;
    expect(await page.locator(`[id="${titleId}"]`).textContent()).to.equal('Exit lightbox <script>');
    expect(await dialog.locator('p').textContent()).to.equal('Wait! Free chapter: here');
    expect(await dialog.getByRole('link', { name: 'Learn more' }).getAttribute('href')).to.equal(`${tg.url}/free/?orid=9001&opid=${fx.promoTools.lightbox}`);
    expect((await focusIn(page)).inDialog, 'focus moved into the dialog').to.equal(true);
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect((await focusIn(page)).inDialog, `Tab ${i + 1} stays inside`).to.equal(true);
    }
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Shift+Tab');
      expect((await focusIn(page)).inDialog, `Shift+Tab ${i + 1} stays inside`).to.equal(true);
    }
    // The page behind is inert while the dialog is open.
    expect(await page.evaluate('document.querySelector("main").closest("[inert]") !== null')).to.equal(true);
    expect(await axeScan(page), 'axe with the dialog open').to.deep.equal([]);
    await saveScreenshot(page, 'partner-center-promo-lightbox-preview', { fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await focusIn(page)).testId, 'focus back on the preview button').to.equal(previewId);
    expect(await page.evaluate('document.querySelectorAll("[inert]").length')).to.equal(0);

    // Space opens it as well; the close button closes it.
    await page.keyboard.press('Space');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    expect((await focusIn(page)).testId).to.equal(previewId);
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
  });

  it('draws the QR codes on the page (the SVG as shown, read back with a QR reader)', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/promo-tools`);
    for (const [id, link] of [['qr-referral', `${tg.url}/?orid=9001`], ['qr-sid-newsletter', `${tg.url}/?orid=9001&sid=newsletter`]] as const) {
      const img = page.locator(`[aria-labelledby="${id}-label"] img`);
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction(`document.querySelector('[aria-labelledby="${id}-label"] img').naturalWidth > 0`);
      const shot = PNG.sync.read(await img.screenshot());
      expect(jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data, id).to.equal(link);
    }
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
  });

  it('fits a phone screen with the preview open', async () => {
    const phone = await signedInPage(browser, tg, fx.a.id, { viewport: { width: 390, height: 844 }, isMobile: true, ignore: notServedHere });
    try {
      await phone.page.goto(`${tg.url}/partner-center/promo-tools`);
      expect(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).to.be.at.most(0);
      await phone.page.getByTestId(previewId).tap();
      const box = (await phone.page.locator('[role="dialog"]').boundingBox())!;
      expect(box.x).to.be.at.least(0);
      expect(box.x + box.width).to.be.at.most(390);
      await saveScreenshot(phone.page, 'partner-center-phone-promo-lightbox', { fullPage: false });
      expect(phone.problems, phone.problems.join('\n')).to.deep.equal([]);
    } finally {
      await phone.context.close();
    }
  });

  it('runs the embed code on another origin under a strict CSP, asking only the gateway', async () => {
    const snippet = await s.page.locator(`#tool-${fx.promoTools.lightbox}-html`).inputValue();
    const gateway = new URL(tg.url).origin;
    const site: Server = createServer((_req, res) => {
      res.setHeader('Content-Security-Policy', `default-src 'none'; script-src ${gateway}; style-src 'none'; img-src 'self'`);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><title>A partner's blog</title></head><body><main><h1>My review</h1>${snippet}</main></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const hosts = new Set<string>();
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => hosts.add(new URL(r.url()).origin));
      await page.goto(siteUrl);
      await page.getByRole('button', { name: 'Exit lightbox <script>' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Exit lightbox <script>' });
      await dialog.waitFor();
      expect(await page.locator('script:not([src])').count(), 'no script element from the data attributes').to.equal(0);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(problems, problems.join('\n')).to.deep.equal([]);
      expect([...hosts].sort()).to.deep.equal([gateway, new URL(siteUrl).origin].sort());
    } finally {
      await context.close();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    }
  });
});
