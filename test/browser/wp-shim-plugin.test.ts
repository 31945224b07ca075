/**
 * wp-shim installed the way a site owner installs it, in headless Chromium against the real WordPress behind a
 * running gateway: upload the zip at Plugins -> Add New -> Upload, activate, see the "not configured" notice,
 * fill Settings -> Partnergate, press "Test connection" (a clear red message with a wrong secret, green with the
 * right one), and a partner's WordPress login still lands signed in at the partner center.
 */
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { addPartner } from '../proxy/fixtures.js';
import { launchChromium, saveScreenshot } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startBareWordPress, type WordPress } from '../support/wordpress.js';
import { buildShimZip } from '../support/wordpress-plugin.js';

describe('browser: wp-shim uploaded and configured through wp-admin', function () {
  this.timeout(180_000);
  let built: { zip: string; dir: string };
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let browser: Browser;
  let admin: Page;

  const logIn = async (page: Page, login: string, password: string) => {
    await page.goto(`${gw.url}/wp-login.php`);
    await page.fill('#user_login', login);
    await page.fill('#user_pass', password);
    await Promise.all([page.waitForNavigation(), page.click('#wp-submit')]);
  };
  const testResult = async () => {
    await Promise.all([admin.waitForNavigation(), admin.click('#partnergate-test')]);
    const box = admin.locator('#partnergate-test-result');
    return { code: await box.getAttribute('data-code'), error: await box.evaluate((e) => e.classList.contains('notice-error')), text: (await box.innerText()).trim() };
  };
  const saveSettings = (fields: { gatewayUrl?: string; secret?: string }) => async () => {
    await admin.goto(`${gw.url}/wp-admin/options-general.php?page=partnergate`);
    if (fields.gatewayUrl !== undefined) await admin.fill('#partnergate-gateway_url', fields.gatewayUrl);
    if (fields.secret !== undefined) await admin.fill('#partnergate-secret', fields.secret);
    await Promise.all([admin.waitForNavigation(), admin.click('form[action$="options.php"] #submit')]);
    expect(await admin.locator('#setting-error-settings_updated').count(), 'saved').to.equal(1);
  };

  before(async () => {
    built = await buildShimZip();
    wp = await startBareWordPress();
    ts = await createTestStore('sqlite');
    gw = await startTestGateway(ts.store, wp.gatewayEnv());
    await addPartner(ts.store, { email: wp.partner.email });
    browser = await launchChromium();
    admin = await (await browser.newContext()).newPage();
    await logIn(admin, wp.admin.login, wp.admin.password);
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await ts?.dispose();
    await wp?.stop();
    if (built) rmSync(built.dir, { recursive: true, force: true });
  });

  it('uploads the zip at Plugins -> Add New -> Upload and activates it; wp-admin then says it is not configured', async () => {
    await admin.goto(`${gw.url}/wp-admin/plugin-install.php?tab=upload`);
    await admin.setInputFiles('#pluginzip', built.zip);
    await Promise.all([admin.waitForNavigation(), admin.click('#install-plugin-submit')]);
    expect(await admin.locator('.wrap').innerText()).to.contain('Plugin installed successfully.');
    await Promise.all([admin.waitForNavigation(), admin.click('a:has-text("Activate Plugin")')]);
    expect(await admin.locator('#message, .notice-success').first().innerText()).to.contain('Plugin activated.');
    expect(await admin.locator('#partnergate-not-configured').innerText()).to.contain('active but not configured');
    expect(await admin.locator('tr[data-slug="partnergate-shim"] a:has-text("Settings")').count()).to.equal(1);
  });

  it('saves the settings (the secret stays write-only) and names a secret mismatch in red', async () => {
    await saveSettings({ gatewayUrl: wp.publicOrigin, secret: 'this-is-not-the-gateway-secret-but-long-enough' })();
    expect(await admin.inputValue('#partnergate-gateway_url')).to.equal(wp.publicOrigin);
    expect(await admin.inputValue('#partnergate-secret')).to.equal('');
    expect(await admin.content()).not.to.contain('this-is-not-the-gateway-secret');
    expect(await wp.php(`global $wpdb; return $wpdb->get_row( "SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = 'partnergate_shim_secret'", ARRAY_A );`))
      .to.deep.equal({ option_value: 'this-is-not-the-gateway-secret-but-long-enough', autoload: 'no' });
    const result = await testResult();
    expect(result).to.deep.include({ code: 'secret_mismatch', error: true });
    expect(result.text).to.contain('the shared secret does not match');
    await saveScreenshot(admin, 'wp-shim-settings-secret-mismatch');
  });

  it('turns green against the running gateway once the right secret is saved', async () => {
    await saveSettings({ secret: wp.secret })();
    const result = await testResult();
    expect(result, result.text).to.deep.include({ code: 'ok', error: false });
    expect(result.text).to.match(/^Connected: Partnergate \d+\.\d+\.\d+ answered/);
    expect(await admin.locator('#partnergate-not-configured').count()).to.equal(0);
    await saveScreenshot(admin, 'wp-shim-settings-connected');
  });

  it("lands a partner's WordPress login signed in at the partner center", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, wp.partner.login, wp.partner.password);
    expect(new URL(page.url()).pathname).to.match(/^\/partner-center\//);
    expect(await page.locator('h1').first().innerText()).to.match(/Dashboard/);
    await page.context().close();
  });
});
