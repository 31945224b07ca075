/**
 * The partner center in headless Chromium (SQLite only): signed in with a session cookie, it walks every page
 * through the navigation, checks each loads with no script error, CSP violation or failed request, works from
 * the keyboard and on a phone, changes the PayPal email through the emailed confirmation link, and takes a
 * screenshot of every page (test-output/screenshots, copied to docs/screenshots).
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { TestGateway } from '../support/gateway.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { saveScreenshot, signedInPage, type SignedInPage } from '../support/browser.js';
import { PASSWORD_A, type Fixture } from '../web/fixture.js';
import { notServedHere, openPartnerCenterBrowser, SITE, type PartnerCenterBrowser } from './partner-center-browser.js';

describe('browser: partner center pages', function () {
  this.timeout(120_000);
  let pc: PartnerCenterBrowser | undefined;
  let tg: TestGateway;
  let sink: SmtpSink;
  let fx: Fixture;
  let browser: Browser;
  let s: SignedInPage;

  before(async () => {
    pc = await openPartnerCenterBrowser();
    ({ tg, sink, fx, browser, s } = pc);
  });
  after(async () => {
    await pc?.close();
  });

  async function expectCleanPage(page: Page, heading: RegExp | string) {
    expect(await page.locator('h1').first().textContent()).to.match(typeof heading === 'string' ? new RegExp(heading) : heading);
    expect(await page.locator('main#main').count()).to.equal(1);
    expect(await page.locator('nav[aria-label="Partner center"] a[aria-current="page"]').count()).to.equal(1);
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
  }

  const walk: Array<{ nav: string; path: string; heading: string; shot: string }> = [
    { nav: 'Dashboard', path: '/partner-center/', heading: 'Dashboard', shot: 'partner-center-dashboard' },
    { nav: 'Contacts', path: '/partner-center/contacts', heading: 'Referred contacts', shot: 'partner-center-contacts' },
    { nav: 'Commissions', path: '/partner-center/commissions/pending', heading: 'Pending commissions', shot: 'partner-center-commissions-pending' },
    { nav: 'Subscriptions', path: '/partner-center/subscriptions', heading: 'Active subscriptions', shot: 'partner-center-subscriptions' },
    { nav: 'Earnings', path: '/partner-center/earnings', heading: 'Earnings', shot: 'partner-center-earnings' },
    { nav: 'Reports', path: '/partner-center/reports', heading: 'Reports', shot: 'partner-center-reports' },
    { nav: 'Promo tools', path: '/partner-center/promo-tools', heading: 'Promo tools', shot: 'partner-center-promo-tools' },
    { nav: 'Links', path: '/partner-center/links', heading: 'Links', shot: 'partner-center-links' },
    { nav: 'Settings', path: '/partner-center/settings', heading: 'Settings', shot: 'partner-center-settings' },
  ];

  it('walks every page through the navigation and screenshots it', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/`);
    for (const step of walk) {
      await page.getByRole('navigation', { name: 'Partner center' }).getByRole('link', { name: step.nav, exact: true }).click();
      await page.waitForURL(`${tg.url}${step.path}`);
      await expectCleanPage(page, step.heading);
      expect(await page.locator('nav[aria-label="Partner center"] a[aria-current="page"]').textContent()).to.equal(step.nav);
      await saveScreenshot(page, step.shot);
    }
  });

  it('walks the tabs and sub-pages', async () => {
    const { page } = s;
    const subPages: Array<[string, string, string]> = [
      ['/partner-center/contacts?as=last', 'Referred contacts', 'partner-center-contacts-last'],
      ['/partner-center/commissions/paid', 'Commission history', 'partner-center-commissions-paid'],
      ['/partner-center/commissions?status=approved', 'All commissions', 'partner-center-commissions-all'],
      [`/partner-center/products/${fx.products.course}`, 'Online Course', 'partner-center-product'],
      ['/partner-center/reports?by=subid', 'Reports', 'partner-center-reports-subid'],
      ['/partner-center/reports?from=2025-10-01&to=2026-03-15&group=month', 'Reports', 'partner-center-reports-month'],
      ['/partner-center/links?path=%2Fpricing%2F&sid=newsletter', 'Links', 'partner-center-links-built'],
    ];
    for (const [path, heading, shot] of subPages) {
      await page.goto(`${tg.url}${path}`);
      await expectCleanPage(page, heading);
      await saveScreenshot(page, shot);
    }
    await page.goto(`${tg.url}/partner-center/reports`);
    const heights = await page.locator('svg rect.bar-clicks').evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    const bars = heights.filter((h) => h > 0).length;
    expect(bars).to.be.greaterThan(0);
  });

  it('shows a bad date range as a message on a page that still works', async () => {
    const { page } = s;
    const res = await page.goto(`${tg.url}/partner-center/reports?from=2026-03-10&to=2026-03-01`);
    expect(res!.status()).to.equal(400);
    expect(await page.locator('.flash-error').textContent()).to.contain('is after to');
    expect(await page.locator('#range-from').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.locator('table tbody tr').count()).to.equal(30);
    s.problems.length = 0; // the 400 of this page itself is the point of the test
    await saveScreenshot(page, 'partner-center-bad-range');
  });

  it('works from the keyboard: skip link first, then the navigation', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).to.equal('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('location.hash')).to.equal('#main');
    await page.goto(`${tg.url}/partner-center/links`);
    await page.locator('#path').focus();
    await page.keyboard.type('/course/');
    await page.keyboard.press('Tab');
    await page.keyboard.type('youtube');
    await page.keyboard.press('Enter');
    await page.waitForURL(/path=%2Fcourse%2F&sid=youtube/);
    expect(await page.locator('#built-link').inputValue()).to.equal(`${SITE}/course/?orid=9001&sid=youtube`);
  });

  it('copies a link with the copy button', async () => {
    const { page, context } = s;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tg.url });
    await page.goto(`${tg.url}/partner-center/links`);
    await page.locator('button[data-copy-target="referral-link"]').click();
    await page.waitForFunction(`document.querySelector('button[data-copy-target="referral-link"]')?.textContent === 'Copied'`);
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(`${SITE}/?orid=9001`);
  });

  it('fits a phone screen', async () => {
    const phone = await signedInPage(browser, tg, fx.a.id, { viewport: { width: 390, height: 844 }, isMobile: true, ignore: notServedHere });
    try {
      for (const [path, shot] of [['/partner-center/', 'partner-center-phone-dashboard'], ['/partner-center/commissions/pending', 'partner-center-phone-commissions'], ['/partner-center/reports', 'partner-center-phone-reports']] as const) {
        await phone.page.goto(`${tg.url}${path}`);
        // Wide tables scroll inside their own box; the page itself never scrolls sideways.
        const overflow = await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, path).to.be.at.most(0);
        await saveScreenshot(phone.page, shot);
      }
      expect(phone.problems, phone.problems.join('\n')).to.deep.equal([]);
    } finally {
      await phone.context.close();
    }
  });

  it('changes the PayPal email through the emailed confirmation link', async () => {
    const { page } = s;
    const NEW = 'ada.browser@example.org';
    await page.goto(`${tg.url}/partner-center/settings`);
    await page.getByLabel('New PayPal email').fill(NEW);
    await page.locator('#paypal_current_password').fill(PASSWORD_A);
    await page.getByRole('button', { name: 'Change PayPal email' }).click();
    await page.waitForURL(/done=paypal-sent/);
    expect(await page.locator('.flash-ok').textContent()).to.contain('We sent a confirmation link');
    expect(await page.getByTestId('paypal-pending').textContent()).to.contain(NEW);
    await saveScreenshot(page, 'partner-center-settings-paypal-sent');

    const link = await sink.waitForLink(NEW, '/partner-center/settings/paypal/confirm?token=');
    expect(link.startsWith(`${SITE}/partner-center/settings/paypal/confirm?token=`)).to.equal(true);
    await sink.waitForMessage(fx.a.paypal, { subject: /was requested/ });
    // The link names the public origin; this test reaches the same gateway on its loopback port.
    await page.goto(link.replace(SITE, tg.url));
    expect(await page.getByTestId('confirm-new-value').textContent()).to.equal(NEW);
    await saveScreenshot(page, 'partner-center-paypal-confirm');
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.waitForURL(/done=paypal-changed/);
    expect(await page.locator('.flash-ok').textContent()).to.contain('Your PayPal email was changed');
    expect(await page.getByTestId('paypal-current').textContent()).to.equal(NEW);
    await sink.waitForMessage(fx.a.paypal, { subject: /was changed/ });
    const row = await pc!.ts.store.db.selectFrom('partners').select('paypal_email').where('id', '=', fx.a.id).executeTakeFirstOrThrow();
    expect(row.paypal_email).to.equal(NEW);
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
    await saveScreenshot(page, 'partner-center-settings-paypal-changed');
  });

  it('draws the two-factor setup QR code (the page allows the image; the key is written beside it)', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/sso/two-factor/setup`);
    expect(await page.locator('h1').first().textContent()).to.equal('Set up two-factor sign-in');
    const qr = page.locator('img#totp-qr');
    await qr.waitFor();
    // The test tsconfig has no DOM library: the image's few properties read here, typed by hand.
    type DrawnImage = { complete: boolean; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { width: number } };
    const drawn = await qr.evaluate((el) => {
      const img = el as unknown as DrawnImage;
      return img.complete ? { width: img.naturalWidth, height: img.naturalHeight, shown: img.getBoundingClientRect().width } : undefined;
    });
    expect(drawn?.width).to.be.greaterThan(100);
    expect(drawn?.height).to.equal(drawn?.width);
    expect(drawn?.shown).to.be.greaterThan(100);
    expect(await page.locator('code#totp-secret').textContent()).to.match(/^[A-Z2-7]{32}$/);
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
  });
});
