/**
 * Partner API keys and data rights in headless Chromium (SQLite): a partner signs in through the form, makes
 * an API key in settings, uses it from plain HTTP requests with no cookie to fetch a report, revokes it (then
 * 401); downloads their data (the zip is opened and checked); an administrator erases them in the admin area,
 * after which the partner cannot sign in and their rows read as anonymised.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { createTestStore, type TestStore } from '../support/store.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium, saveScreenshot } from '../support/browser.js';
import { adminSession } from '../admin-area/support.js';
import { unzip } from '../partner-api/support.js';
import { PASSWORD_A, seedPartnerCenter, type Fixture } from '../web/fixture.js';

describe('browser: partner API keys and data rights', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let tg: TestGateway;
  let fx: Fixture;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ts = await createTestStore('sqlite');
    fx = await seedPartnerCenter(ts.store);
    tg = await startTestGateway(ts.store, { PARTNERGATE_TRUST_PROXY: 'false' });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true })).newPage();
  });
  after(async () => {
    await browser?.close();
    await tg?.close();
    await ts?.dispose();
  });

  async function signIn(p: Page) {
    await p.goto(`${tg.url}/sso/sign-in`);
    await p.getByLabel('Email address').fill(fx.a.email);
    await p.getByLabel('Password').fill(PASSWORD_A);
    await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/sso/sign-in')), p.getByRole('button', { name: 'Sign in' }).click()]);
    await p.waitForLoadState();
  }

  it('makes an API key, fetches a report with it over plain HTTP (no cookie), revokes it, and then gets 401', async () => {
    await signIn(page);
    expect(new URL(page.url()).pathname, await page.locator('main').textContent() ?? '').to.equal('/partner-center/');
    await page.goto(`${tg.url}/partner-center/settings`);
    const card = page.locator('#api-keys');
    await card.getByLabel('Name of the new key').fill('Spreadsheet sync');
    await card.getByLabel('Current password').fill(PASSWORD_A);
    await card.getByRole('button', { name: 'Make API key' }).click();
    const key = await page.getByTestId('new-api-key').inputValue();
    expect(key).to.match(/^pgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    await saveScreenshot(page, 'partner-center-settings-api-key');

    const report = await request(tg.url).get('/partner-center/api/reports/commissions?from=2020-01-01&to=2029-12-31&limit=1000').set('Authorization', `Bearer ${key}`);
    expect(report.status, report.text).to.equal(200);
    expect(report.headers['set-cookie']).to.equal(undefined);
    expect(report.body.report).to.equal('commissions');
    expect(report.body.rows.length).to.be.greaterThan(0);
    const csv = await request(tg.url).get('/partner-center/exports/commissions.csv?from=2020-01-01&to=2029-12-31').set('Authorization', `Bearer ${key}`);
    expect(csv.status).to.equal(200);
    expect(csv.text.split('\r\n')[0]).to.match(/^commission_id,/);

    await page.goto(`${tg.url}/partner-center/settings`);
    const row = page.locator(`tr[data-key-id="${key.slice(4, 16)}"]`);
    expect(await row.locator('td').nth(3).textContent(), 'last used is shown').not.to.equal('never');
    await row.getByRole('button', { name: 'Revoke key Spreadsheet sync' }).click();
    await page.waitForURL(/done=api-key-revoked/);
    expect(await page.locator(`tr[data-key-id="${key.slice(4, 16)}"]`).textContent()).to.include('revoked');

    const after = await request(tg.url).get('/partner-center/api/reports/commissions').set('Authorization', `Bearer ${key}`);
    expect(after.status).to.equal(401);
    expect(after.body.error.code).to.equal('auth.api_key_invalid');
    expect(after.headers['www-authenticate']).to.match(/^Bearer /);
  });

  it('downloads my data: the zip opens and holds my profile, sessions, keys and exports', async () => {
    await page.goto(`${tg.url}/partner-center/settings`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).to.match(/^partnergate-my-data-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = await unzip(await readFile((await download.path())!));
    for (const name of ['profile.json', 'settings.json', 'sessions.json', 'audit.json', 'api-keys.json', 'contacts.csv', 'commissions.csv', 'payouts.csv', 'clicks.csv']) expect(files.has(name), name).to.equal(true);
    const profile = JSON.parse(files.get('profile.json')!) as { partner: { id: number; referral_code: string }; accounts: Array<{ email: string }> };
    expect(profile.partner).to.include({ id: fx.a.id, referral_code: fx.a.referralCode });
    expect(profile.accounts[0]!.email).to.equal(fx.a.email);
    expect((JSON.parse(files.get('api-keys.json')!) as Array<{ name: string; revokedAt: number | null }>).map((k) => k.name)).to.deep.equal(['Spreadsheet sync']);
    expect(files.get('commissions.csv')!.split('\r\n').filter(Boolean).length).to.be.greaterThan(1);
    expect(files.get('audit.json')).to.include('api_key.created');
  });

  it('an erased partner cannot sign in, and their rows read as anonymised', async () => {
    const admin = await adminSession(tg);
    const adminPage = await (await browser.newContext()).newPage();
    await adminPage.context().addCookies([{ name: tg.gateway.deps.cookies.session, value: admin.cookie.split('=')[1]!, domain: new URL(tg.url).hostname, path: '/', httpOnly: true, sameSite: 'Lax' }]);
    await adminPage.goto(`${tg.url}/partner-center/admin/partners/${fx.a.id}`);
    await adminPage.getByLabel(`Type the partner id (${fx.a.id}) to confirm`).fill(String(fx.a.id));
    await adminPage.getByRole('button', { name: 'Erase partner' }).click();
    await adminPage.waitForURL(/done=erased/);
    expect(await adminPage.locator('h1').first().textContent()).to.include('Erased partner');
    await saveScreenshot(adminPage, 'admin-partner-erased');

    // The partner's open page: the session is gone.
    await page.goto(`${tg.url}/partner-center/`);
    await page.waitForURL(/\/sso\/sign-in/);
    await signIn(page);
    expect(page.url()).to.include('/sso/sign-in');
    expect(await page.locator('#sign-in-error').count()).to.equal(1);

    await adminPage.goto(`${tg.url}/partner-center/admin/partners?q=${encodeURIComponent(fx.a.email)}`);
    expect(await adminPage.locator('main').textContent(), 'no partner is found by the old email').not.to.include(fx.a.referralCode);
    await adminPage.goto(`${tg.url}/partner-center/admin/partners?status=inactive`);
    const listed = await adminPage.locator('main').textContent();
    expect(listed).to.include('Erased partner').and.not.include(fx.a.email).and.not.include(fx.a.paypal);
    const commissions = await ts.store.db.selectFrom('commissions').select('amount_cents').where('partner_id', '=', fx.a.id).execute();
    expect(commissions.length, 'commission rows kept for accounting').to.be.greaterThan(0);
  });
});
